import Foundation
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotTestSupport
import OneshotWorkstreams
import Synchronization
import Testing

@testable import OneshotCheckpoint

/// Issue #16: a large feature's snapshot (33 MB at 100,000 workstreams) is written to its
/// temporary file as it is encoded, never held whole: the same bytes, the same failures.
@Suite(.timeLimit(.minutes(3))) struct StreamedSnapshotTests {
    private func paths(_ folder: TemporaryFolder) -> CheckpointPaths {
        CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")
    }

    /// A state of `count` workstreams, every other one completed.
    private func state(_ graph: WorkstreamGraph) -> CheckpointState {
        var state = CheckpointState(plan: .fresh(graph), previous: nil, startedAt: ContinuousClock.now)
        for (index, workstream) in graph.workstreams.enumerated() where index.isMultiple(of: 2) {
            var line = JournalLine(seq: index + 1, at: "2026-11-30T10:00:00.000Z")
            line.finished = [
                FinishedAttempt(
                    id: workstream.id, attempt: 1, run: 1, status: "succeeded", final: true, durationMS: 12, exitCode: 0,
                    costUSD: nil, definition: "0123456789abcdef")
            ]
            state.apply(line)
        }
        return state
    }

    @Test func theStreamedSnapshotIsTheEncodedOneInChunks() throws {
        let graph = try WorkstreamGraph((0..<12_000).map { ws("w\($0)", $0 > 0 ? ["w\($0 - 1)"] : []) })
        let state = state(graph)
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        var fragments = SnapshotFragments()
        let whole = state.encodedCheckpoint(
            featureID: "F1", graph: graph, fingerprint: "f", journalSeq: 7, now: now, monotonicNow: nil,
            reusing: &fragments)
        let chunks = Mutex<[[UInt8]]>([])
        var streamedFragments = SnapshotFragments()
        let count = state.streamedCheckpoint(
            featureID: "F1", graph: graph, fingerprint: "f", journalSeq: 7, now: now, monotonicNow: nil,
            reusing: &streamedFragments
        ) { chunk in chunks.withLock { $0.append(chunk) } }
        let streamed = chunks.withLock { $0 }
        #expect(streamed.count > 1, "a snapshot of \(whole.count) bytes came in one chunk")
        #expect(count == whole.count)
        #expect(Array(streamed.joined()) == whole)
    }

    @Test func aChunkThatCannotBeWrittenLeavesTheOldSnapshotAndNoTemporaryFile() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("checkpoints"), withIntermediateDirectories: true)
        let graph = try WorkstreamGraph((0..<12_000).map { ws("w\($0)") })
        let fileSystem = FaultInjectingFileSystem()
        let store = CheckpointStore(
            paths: paths(folder), graph: graph, state: state(graph), seq: 0, fileSystem: fileSystem, strict: false)
        try store.save()
        let before = try #require(FileManager.default.contents(atPath: paths(folder).checkpoint))
        #expect(before.count > 2 << 20, "the snapshot is \(before.count) bytes: too small to stream in chunks")
        // A chunk of the next snapshot finds the disk full: the chunks after it are not written.
        fileSystem.fail(.write, errno: ENOSPC, times: 1, path: ".tmp.")
        #expect(throws: SystemError.self) { try store.save() }
        #expect(try #require(FileManager.default.contents(atPath: paths(folder).checkpoint)) == before)
        #expect(!folder.names(in: "checkpoints").contains { $0.contains(".tmp.") })
        // The next fold writes it whole.
        try store.save()
        let resumed = try #require(try CheckpointReader.load(paths(folder))).checkpoint
        #expect(resumed.completed.count == 6_000)
    }
}
