import OneshotGraph
import OneshotSystem

/// The parts of the last snapshot that the next one can reuse: each workstream's record and
/// graph node as encoded JSON, the sorted `completed` list, the graph's edges and the timeline's
/// spans. Only what changed since (see ``SnapshotChanges``) is encoded again.
///
/// A small feature's snapshot is rewritten after every batch (`CheckpointStore`): encoding
/// every workstream each time made a chain of 1,000 spend about 3 s of CPU on it. Beyond that
/// size a snapshot is written only once the journal outgrew it, so encoding it whole costs a
/// constant per journal line; the fragments, as large as the snapshot, are then not kept.
///
/// A value: the store keeps one for its folds, which run one at a time.
struct SnapshotFragments: Sendable {
    /// One workstream's record, encoded.
    private struct Record: Sendable {
        var id: String
        var json: [UInt8]
    }

    /// Whether the fragments describe some earlier state: else everything is encoded.
    private var primed = false
    /// Sorted by id.
    private var records: [Record] = []
    /// `completed`, sorted.
    private var completed: [String] = []
    /// Per graph node, in the graph's order.
    private var nodes: [[UInt8]] = []
    /// The graph's `edges` object: the graph does not change.
    private var edges: [UInt8]?
    /// The first `spanCount` spans of the timeline, separated by commas.
    private var spans: [UInt8] = []
    private var spanCount = 0
    /// The last of them, to tell that the timeline was not replaced.
    private var lastSpan: RunTimeline.Span?
    /// The size of the last snapshot encoded, for the choice to keep the fragments.
    private var lastSnapshotBytes = 0

    /// The buffer to reserve for the next snapshot of `graph`: a little more than the last one,
    /// so that a large one is not copied as its buffer grows.
    func capacity(for graph: WorkstreamGraph) -> Int {
        max(64 + 200 * graph.count, lastSnapshotBytes + lastSnapshotBytes / 8)
    }

    /// Whether fragments are worth keeping for `graph`: while snapshots are written every
    /// batch (the store's rule). For a larger graph, not before a first snapshot told its size:
    /// fragments of a 100,000-workstream graph, made and dropped, would raise the peak memory.
    func keeps(_ graph: WorkstreamGraph) -> Bool {
        graph.count <= CheckpointStore.everyBatchWorkstreams
            || (lastSnapshotBytes > 0 && lastSnapshotBytes < CheckpointStore.everyBatchSnapshotBytes)
    }

    /// Brings the fragments up to `state`, encoding what changed since the state they were
    /// last brought up to (its ``CheckpointState/changes``); whatever cannot be trusted is
    /// encoded again whole.
    mutating func update(to state: CheckpointState, graph: WorkstreamGraph) {
        // Untracked changes: everything is encoded again.
        if state.changes == nil { primed = false }
        let changes = state.changes ?? SnapshotChanges()
        updateRecords(state, changes.records)
        let completedRebuilt = updateCompleted(state, changes.completions)
        updateNodes(state, changes.completions, graph: graph, all: completedRebuilt)
        _ = edges(of: graph)
        updateSpans(state.spans)
        primed = true
    }

    /// Notes the size of the snapshot just encoded; drops the fragments when they are no
    /// longer worth keeping, but for the edges (a few bytes per workstream, the same for
    /// every snapshot of the graph).
    mutating func encoded(bytes: Int, graph: WorkstreamGraph) {
        lastSnapshotBytes = bytes
        if !keeps(graph) { self = SnapshotFragments(lastSnapshotBytes: bytes, edges: edges) }
    }

    private init(lastSnapshotBytes: Int, edges: [UInt8]?) {
        self.lastSnapshotBytes = lastSnapshotBytes
        self.edges = edges
    }

    /// The graph's `edges` object, encoded once.
    mutating func edges(of graph: WorkstreamGraph) -> [UInt8] {
        if let edges { return edges }
        var writer = JSONWriter(capacity: 32 * graph.count)
        CheckpointState.writeEdges(of: graph, to: &writer)
        edges = writer.bytes
        return writer.bytes
    }

    /// Empty: the first snapshot encodes everything.
    init() {}

    // MARK: Writing

    /// The `workstreams` object.
    func writeRecords(to writer: inout JSONWriter) {
        writer.beginObject()
        for record in records {
            writer.key(record.id)
            writer.json(record.json)
        }
        writer.endObject()
    }

    /// The `completed` list, sorted.
    var completedIDs: [String] { completed }

    /// The `graph` object.
    func writeGraph(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("edges")
        writer.json(edges ?? Array("{}".utf8))
        writer.key("nodes")
        writer.beginArray()
        for node in nodes { writer.json(node) }
        writer.endArray()
        writer.endObject()
    }

    /// The timeline's `attempts` list.
    func writeSpans(to writer: inout JSONWriter) {
        writer.beginArray()
        if spanCount > 0 { writer.json(spans) }
        writer.endArray()
    }

    // MARK: Updating

    private mutating func updateRecords(_ state: CheckpointState, _ changed: Set<String>) {
        if primed {
            for id in changed {
                guard let record = state.records[id] else { continue }
                let json = Self.encode(record)
                let index = records.partitioningIndex { $0.id >= id }
                if index < records.count, records[index].id == id {
                    records[index].json = json
                } else {
                    records.insert(Record(id: id, json: json), at: index)
                }
            }
            // The same ids (sorted, unique, as many, all present): else start over.
            if records.count == state.records.count, records.allSatisfy({ state.records[$0.id] != nil }) { return }
        }
        records = state.records.sortedIDs.map { Record(id: $0, json: Self.encode(state.records[$0] ?? WorkstreamRecord())) }
    }

    /// - Returns: whether the list was sorted again whole (every node must then be encoded).
    private mutating func updateCompleted(_ state: CheckpointState, _ changed: Set<String>) -> Bool {
        if primed {
            for id in changed where state.completed.contains(id) {
                let index = completed.partitioningIndex { $0 >= id }
                if index == completed.count || completed[index] != id { completed.insert(id, at: index) }
            }
            if completed.count == state.completed.count, completed.allSatisfy(state.completed.contains) { return false }
        }
        completed = state.completed.sorted()
        return true
    }

    private mutating func updateNodes(
        _ state: CheckpointState, _ changed: Set<String>, graph: WorkstreamGraph, all: Bool
    ) {
        guard primed, !all, nodes.count == graph.count else {
            nodes = graph.workstreams.indices.map { Self.encode(state.nodeSnapshot($0, in: graph)) }
            return
        }
        // A node's fragment holds whether it and its dependencies are completed.
        for id in changed {
            guard let node = graph.node(id) else { continue }
            for changed in [node] + graph.dependents[node] {
                nodes[changed] = Self.encode(state.nodeSnapshot(changed, in: graph))
            }
        }
    }

    /// Spans are only ever appended: the new ones are encoded after the others.
    private mutating func updateSpans(_ attempts: SpanLog) {
        if attempts.count < spanCount || (spanCount > 0 && attempts[spanCount - 1] != lastSpan) {
            spans = []
            spanCount = 0
        }
        guard attempts.count > spanCount else { return }
        var writer = JSONWriter(capacity: 64 * (attempts.count - spanCount))
        writer.beginArray()
        attempts.write(from: spanCount, to: &writer)
        writer.endArray()
        // Without the brackets, after a comma when there are spans already.
        if spanCount > 0 { spans.append(UInt8(ascii: ",")) }
        spans.append(contentsOf: writer.bytes.dropFirst().dropLast())
        spanCount = attempts.count
        lastSpan = attempts.last
    }

    private static func encode(_ value: some JSONWritable) -> [UInt8] {
        var writer = JSONWriter(capacity: 192)
        value.write(to: &writer)
        return writer.bytes
    }

}

/// What changed in a ``CheckpointState`` since a snapshot last took it: what
/// ``SnapshotFragments`` must encode again.
struct SnapshotChanges: Sendable {
    /// Workstreams whose record changed.
    var records: Set<String> = []
    /// Workstreams that became completed (or stopped being): their nodes and their dependents'
    /// changed.
    var completions: Set<String> = []
}

extension Array {
    /// The first index whose element satisfies `belongs`, all before it not (binary search; the
    /// array is partitioned by it).
    fileprivate func partitioningIndex(where belongs: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if belongs(self[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
