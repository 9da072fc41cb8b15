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
    /// The records, changed in place only while no copy of the table refers to them.
    private final class Storage: @unchecked Sendable {
        // Safe to send: mutated only through a table that holds the sole reference
        // (`isKnownUniquelyReferenced`), as `Array` does with its buffer.
        var records: [String: WorkstreamRecord]

        init(_ records: [String: WorkstreamRecord]) {
            self.records = records
        }
    }

    private var storage: Storage
    /// Records changed while `storage` was shared; they take precedence over its own.
    private var recent: [String: WorkstreamRecord] = [:]

    init(_ records: [String: WorkstreamRecord] = [:]) {
        storage = Storage(records)
    }

    /// The record of `id`, if any; setting `nil` removes it.
    subscript(id: String) -> WorkstreamRecord? {
        get { recent[id] ?? storage.records[id] }
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
        storage.records.count + recent.keys.reduce(0) { $0 + (storage.records[$1] == nil ? 1 : 0) }
    }

    /// The ids with a record, sorted.
    var sortedIDs: [String] {
        var ids = Array(storage.records.keys)
        for id in recent.keys where storage.records[id] == nil { ids.append(id) }
        return ids.sorted()
    }

    /// Every record, as a dictionary.
    var dictionary: [String: WorkstreamRecord] {
        recent.isEmpty ? storage.records : storage.records.merging(recent) { _, recent in recent }
    }

    /// Makes room for `count` records, so that the table does not grow (and copy itself) as the
    /// run records them.
    mutating func reserveCapacity(_ count: Int) {
        // A table just copied (the store's, from its caller's state) shares its storage: the
        // first change would copy it anyway, so it is copied now, with the room.
        if !isKnownUniquelyReferenced(&storage) {
            storage = Storage(storage.records.merging(recent) { _, recent in recent })
            recent = [:]
        }
        storage.records.reserveCapacity(count)
    }

    /// Sets the record of `id`.
    mutating func set(_ record: WorkstreamRecord, for id: String) {
        guard isKnownUniquelyReferenced(&storage) else {
            recent[id] = record
            return
        }
        if !recent.isEmpty {
            storage.records.merge(recent) { _, recent in recent }
            recent = [:]
        }
        storage.records[id] = record
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
        if !recent.isEmpty {
            storage.records.merge(recent) { _, recent in recent }
            recent = [:]
        }
        change(&storage.records[id, default: WorkstreamRecord()])
    }

    /// Removes the record of `id` (never in a run: the storage is copied if it is shared).
    mutating func remove(_ id: String) {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.records) }
        storage.records.merge(recent) { _, recent in recent }
        recent = [:]
        storage.records[id] = nil
    }

    /// Sets every record of `records`, replacing those of the same ids.
    mutating func merge(_ records: [String: WorkstreamRecord]) {
        for (id, record) in records { set(record, for: id) }
    }

    /// Writes the `workstreams` object, keys sorted: what ``Checkpoint`` writes of
    /// ``dictionary``, without building it.
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        // Usually nothing changed while the storage was shared: one lookup per record then.
        let records = storage.records
        for id in sortedIDs {
            guard let record = recent.isEmpty ? records[id] : self[id] else { continue }
            writer.key(id)
            record.write(to: &writer)
        }
        writer.endObject()
    }
}
