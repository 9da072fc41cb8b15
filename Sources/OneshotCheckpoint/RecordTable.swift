import OneshotSystem

/// The workstreams' records of a ``CheckpointState``, by id: a table that a copy of the state —
/// the one a background snapshot encodes — shares without either side copying it whole.
///
/// In a `Dictionary`, the first record the run changed after the store copied its state for a
/// snapshot copied every record (copy on write): at 100,000 workstreams some 20 MB more at the
/// peak and a few milliseconds, at every snapshot. Here, while the storage is shared, changes go
/// to a small overlay instead; the first change after the copy is gone moves them into the
/// storage.
struct RecordTable: Sendable {
    /// The records, changed in place only while no copy of the table refers to them. Kept in
    /// one array, in the order their ids came, with a dictionary from id to place: a dictionary
    /// of records keeps them in its buckets, most of them empty (at 100,000 records, 262,144
    /// buckets of ~160 bytes: 42 MB, against 21 here).
    private final class Storage: @unchecked Sendable {
        // Safe to send: mutated only through a table that holds the sole reference
        // (`isKnownUniquelyReferenced`), as `Array` does with its buffer.
        /// Where each id's record is in `records` and `ids`.
        var places: [String: Int]
        var records: [WorkstreamRecord]
        /// The id of each record, for a removal to move the last one into its place.
        var ids: [String]

        init(_ records: [String: WorkstreamRecord]) {
            places = Dictionary(minimumCapacity: records.count)
            self.records = []
            ids = []
            self.records.reserveCapacity(records.count)
            ids.reserveCapacity(records.count)
            for (id, record) in records { set(record, for: id) }
        }

        init(copying other: Storage) {
            places = other.places
            records = other.records
            ids = other.ids
        }

        subscript(id: String) -> WorkstreamRecord? {
            places[id].map { records[$0] }
        }

        func reserveCapacity(_ count: Int) {
            places.reserveCapacity(count)
            records.reserveCapacity(count)
            ids.reserveCapacity(count)
        }

        /// Changes the record of `id` in place, an empty one added first if it has none: one
        /// lookup either way.
        func update(_ id: String, _ change: (inout WorkstreamRecord) -> Void) {
            let next = records.count
            let place = Self.place(&places[id, default: next])
            if place == next {
                records.append(WorkstreamRecord())
                ids.append(id)
            }
            change(&records[place])
        }

        func set(_ record: WorkstreamRecord, for id: String) {
            update(id) { $0 = record }
        }

        func remove(_ id: String) {
            guard let place = places.removeValue(forKey: id) else { return }
            let last = records.count - 1
            if place != last {
                records[place] = records[last]
                ids[place] = ids[last]
                places[ids[place]] = place
            }
            records.removeLast()
            ids.removeLast()
        }

        /// Reads a place through the dictionary's in-place access, which adds the default.
        private static func place(_ place: inout Int) -> Int { place }
    }

    private var storage: Storage
    /// Records changed while `storage` was shared; they take precedence over its own.
    private var recent: [String: WorkstreamRecord] = [:]

    init(_ records: [String: WorkstreamRecord] = [:]) {
        storage = Storage(records)
    }

    /// The record of `id`, if any; setting `nil` removes it.
    subscript(id: String) -> WorkstreamRecord? {
        get { recent[id] ?? storage[id] }
        set {
            if let newValue {
                set(newValue, for: id)
            } else {
                remove(id)
            }
        }
    }

    /// The number of workstreams with a record.
    var count: Int {
        storage.records.count + recent.keys.reduce(0) { $0 + (storage.places[$1] == nil ? 1 : 0) }
    }

    /// The ids with a record, sorted.
    var sortedIDs: [String] {
        var ids = storage.ids
        for id in recent.keys where storage.places[id] == nil { ids.append(id) }
        return ids.sorted()
    }

    /// Every record, as a dictionary.
    var dictionary: [String: WorkstreamRecord] {
        var dictionary = Dictionary(uniqueKeysWithValues: zip(storage.ids, storage.records))
        dictionary.merge(recent) { _, recent in recent }
        return dictionary
    }

    /// Makes room for `count` records, so that the table does not grow (and copy itself) as the
    /// run records them.
    mutating func reserveCapacity(_ count: Int) {
        makeUnique()
        storage.reserveCapacity(count)
    }

    /// Sets the record of `id`.
    mutating func set(_ record: WorkstreamRecord, for id: String) {
        update(id) { $0 = record }
    }

    /// Changes the record of `id` (an empty one if it has none) in place: one lookup, no copy of
    /// the record, when the storage is not shared.
    mutating func update(_ id: String, _ change: (inout WorkstreamRecord) -> Void) {
        guard isKnownUniquelyReferenced(&storage) else {
            var record = self[id] ?? WorkstreamRecord()
            change(&record)
            recent[id] = record
            return
        }
        mergeRecent()
        storage.update(id, change)
    }

    /// Removes the record of `id` (never in a run: the storage is copied if it is shared).
    mutating func remove(_ id: String) {
        makeUnique()
        storage.remove(id)
    }

    /// Sets every record of `records`, replacing those of the same ids.
    mutating func merge(_ records: [String: WorkstreamRecord]) {
        for (id, record) in records { set(record, for: id) }
    }

    /// A storage of this table's own, with the overlay moved into it.
    private mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(copying: storage) }
        mergeRecent()
    }

    /// Moves the overlay into the storage, which the table holds alone.
    private mutating func mergeRecent() {
        guard !recent.isEmpty else { return }
        for (id, record) in recent { storage.set(record, for: id) }
        recent = [:]
    }

    /// Writes the `workstreams` object, keys sorted: what ``Checkpoint`` writes of
    /// ``dictionary``, without building it.
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        if recent.isEmpty {
            // Usually nothing changed while the storage was shared: the records in their ids'
            // order, without a lookup each.
            let (ids, records) = (storage.ids, storage.records)
            for place in ids.indices.sorted(by: { ids[$0] < ids[$1] }) {
                writer.key(ids[place])
                records[place].write(to: &writer)
            }
        } else {
            for id in sortedIDs {
                guard let record = self[id] else { continue }
                writer.key(id)
                record.write(to: &writer)
            }
        }
        writer.endObject()
    }
}
