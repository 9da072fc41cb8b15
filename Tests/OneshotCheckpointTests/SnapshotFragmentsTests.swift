import Foundation
import OneshotDispatch
import OneshotGraph
import OneshotWorkstreams
import Testing

@testable import OneshotCheckpoint

/// A snapshot spliced from the fragments of earlier ones is the snapshot encoded whole.
@Suite struct SnapshotFragmentsTests {
    private static let statuses = ["succeeded", "failed", "timed_out", "interrupted", "uncertain"]

    /// A layered graph of `count` nodes, ids with characters to escape among them.
    private func graph(_ count: Int, _ random: inout SeededRandom) throws -> WorkstreamGraph {
        let ids = (0..<count).map { $0 % 7 == 3 ? "w \"\($0)\"" : "w\($0)" }
        return try WorkstreamGraph(
            ids.indices.map { index in
                let dependencies =
                    index < 5
                    ? [] : (0..<Int.random(in: 0...3, using: &random)).map { _ in ids[Int.random(in: 0..<index, using: &random)] }
                return ws(ids[index], Array(Set(dependencies)).sorted())
            })
    }

    /// A batch as the store journals it: a few attempts ended, maybe a skip.
    private func batch(_ seq: Int, _ graph: WorkstreamGraph, _ random: inout SeededRandom) -> JournalLine {
        var line = JournalLine(seq: seq, at: "2026-11-23T00:\(10 + seq % 50):00.\(100 + seq % 900)Z")
        line.finished = (0..<Int.random(in: 1...4, using: &random)).map { _ in
            let id = graph.workstreams[Int.random(in: 0..<graph.count, using: &random)].id
            let status = Self.statuses[Int.random(in: 0..<Self.statuses.count, using: &random)]
            return FinishedAttempt(
                id: id, attempt: Int.random(in: 1...3, using: &random), run: 1, status: status,
                final: Bool.random(using: &random), durationMS: Int.random(in: 0...90_000, using: &random),
                exitCode: status == "succeeded" ? 0 : Int32.random(in: -9...255, using: &random),
                costUSD: Bool.random(using: &random) ? Double.random(in: 0...3, using: &random) : nil,
                definition: status == "succeeded" ? "h\(seq)" : nil)
        }
        if Int.random(in: 0..<5, using: &random) == 0 {
            line.skipped = [graph.workstreams[Int.random(in: 0..<graph.count, using: &random)].id: "w0"]
        }
        return line
    }

    /// Where `spliced` first differs from the snapshot `CheckpointCodec` (`JSONEncoder`'s equal)
    /// writes from the whole state, with the text around it; `nil` when they are the same.
    private func difference(
        _ spliced: [UInt8], _ state: CheckpointState, _ graph: WorkstreamGraph, seq: Int, now: Date
    ) -> String? {
        let whole = CheckpointCodec.encode(
            state.checkpoint(featureID: "F1", graph: graph, fingerprint: "fp", journalSeq: seq, now: now))
        guard spliced != whole else { return nil }
        let at = zip(spliced, whole).prefix { $0 == $1 }.count
        func around(_ bytes: [UInt8]) -> String {
            String(decoding: bytes[max(0, at - 60)..<min(bytes.count, at + 60)], as: UTF8.self)
        }
        return "byte \(at) of \(whole.count): \(around(spliced)) instead of \(around(whole))"
    }

    @Test func encodingAgainAfterAFewChangesGivesTheBytesOfAnEncodingFromScratch() throws {
        var random = SeededRandom(seed: 16)
        let graph = try graph(120, &random)
        var restored = Checkpoint(featureID: "F1", timestamp: "2026-11-23T00:00:00Z")
        restored.completed = ["w1", "gone"]
        restored.workstreams = ["gone": WorkstreamRecord()]
        var state = CheckpointState(restoring: restored)
        state.changes = SnapshotChanges()
        var fragments = SnapshotFragments()
        for seq in 1...300 {
            state.apply(batch(seq, graph, &random))
            // As the store does: a snapshot takes the changes, which start over.
            guard Int.random(in: 0..<3, using: &random) == 0 || seq == 300 else { continue }
            let now = Date(timeIntervalSince1970: 1_795_400_000 + Double(seq))
            let spliced = state.encodedCheckpoint(
                featureID: "F1", graph: graph, fingerprint: "fp", journalSeq: seq, now: now, reusing: &fragments)
            // Now and then untracked, as after a snapshot too large to keep fragments of.
            state.changes = Int.random(in: 0..<8, using: &random) == 0 ? nil : SnapshotChanges()
            #expect(difference(spliced, state, graph, seq: seq, now: now) == nil, "after line \(seq)")
        }
    }

    @Test func changesMadeBehindTheFragmentsBackAreNoticed() throws {
        var random = SeededRandom(seed: 17)
        let graph = try graph(40, &random)
        var state = CheckpointState(restoring: Checkpoint(featureID: "F1", timestamp: "2026-11-23T00:00:00Z"))
        state.changes = SnapshotChanges()
        var fragments = SnapshotFragments()
        for seq in 1...20 { state.apply(batch(seq, graph, &random)) }
        let now = Date(timeIntervalSince1970: 1_795_400_000)
        _ = state.encodedCheckpoint(
            featureID: "F1", graph: graph, fingerprint: "fp", journalSeq: 20, now: now, reusing: &fragments)
        state.changes = SnapshotChanges()
        // Not through a journal line, so not among the changes: a rerun forgotten, a record
        // dropped, a new timeline.
        state.completed.subtract(state.completed.prefix(2))
        state.completed.insert("w39")
        state.records["w5"] = nil
        state.records["elsewhere"] = WorkstreamRecord()
        state.timeline = RunTimeline()
        state.spans = SpanLog([RunTimeline.Span(id: "w2", attempt: 1, run: 1, startMS: 5, durationMS: 1, status: "failed")])
        let spliced = state.encodedCheckpoint(
            featureID: "F1", graph: graph, fingerprint: "fp", journalSeq: 20, now: now, reusing: &fragments)
        #expect(difference(spliced, state, graph, seq: 20, now: now) == nil)
    }

    @Test func aLargeGraphKeepsNoFragmentsOnceItsSnapshotIsLarge() throws {
        var random = SeededRandom(seed: 18)
        let graph = try graph(CheckpointStore.everyBatchWorkstreams * 4, &random)
        var state = CheckpointState(restoring: Checkpoint(featureID: "F1", timestamp: "2026-11-23T00:00:00Z"))
        var fragments = SnapshotFragments()
        let now = Date(timeIntervalSince1970: 1_795_400_000)
        for seq in 1...3 {
            state.apply(batch(seq, graph, &random))
            let bytes = state.encodedCheckpoint(
                featureID: "F1", graph: graph, fingerprint: "fp", journalSeq: seq, now: now, reusing: &fragments)
            state.changes = SnapshotChanges()
            #expect(difference(bytes, state, graph, seq: seq, now: now) == nil)
            #expect(bytes.count >= CheckpointStore.everyBatchSnapshotBytes)
            #expect(!fragments.keeps(graph))
        }
    }
}
