import Foundation
import OneshotCheckpoint
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotTestSupport
import OneshotWorkstreams
import Testing

/// No attempt recorded as starting unless the record can be read back by a resume.
@Suite(.timeLimit(.minutes(3))) struct StartRecordTests {
    private func paths(_ folder: TemporaryFolder) -> CheckpointPaths {
        CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")
    }

    private func report(_ id: String) -> AttemptReport {
        AttemptReport(id: id, attempt: 1, status: .succeeded, duration: .milliseconds(5), result: .success)
    }

    @Test func aStartRecordIsRefusedOnceAnAppendFailedUntilASnapshotIsWritten() async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let session = try CheckpointSession.open(
            graph: try WorkstreamGraph([ws("a"), ws("b")]), paths: paths(folder), fileSystem: fileSystem)
        let store = session.store
        try store.attemptStarting(id: "a", attempt: 1)
        fileSystem.fail(.write, errno: ENOSPC, times: 1000)
        store.record([.attemptFinished(report("a"), final: true)])
        #expect(throws: SystemError.self) { try store.attemptStarting(id: "b", attempt: 1) }
        #expect(!(store.current.inFlight ?? []).contains { $0.id == "b" })
        guard case .unwritten(let message) = await store.commit() else {
            Issue.record("a commit on a full disk must write nothing")
            return
        }
        #expect(message.contains("No space left on device"))
        fileSystem.fail(.write, errno: ENOSPC, times: 0)
        #expect(await store.commit() == .durable)
        try store.attemptStarting(id: "b", attempt: 1)
        let saved = try #require(try CheckpointReader.load(paths(folder))).checkpoint
        #expect(saved.completed == ["a"])
        #expect((saved.inFlight ?? []).map(\.id) == ["b"])
    }

    @Test func aTurnsOutcomesAndStartRecordsAreWrittenTogetherOrNoneOfTheAttemptsStarts() async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let session = try CheckpointSession.open(
            graph: try WorkstreamGraph([ws("a"), ws("b", ["a"]), ws("c", ["a"]), ws("d")]), paths: paths(folder),
            fileSystem: fileSystem)
        let store = session.store
        try store.record([], starting: [(id: "a", attempt: 1), (id: "d", attempt: 1)])
        fileSystem.fail(.write, errno: ENOSPC, times: 1)
        #expect(throws: SystemError.self) {
            try store.record(
                [.attemptFinished(report("a"), final: true)], starting: [(id: "b", attempt: 1), (id: "c", attempt: 1)])
        }
        #expect((store.current.inFlight ?? []).map(\.id) == ["d"], "neither b nor c is in flight")
        #expect(store.current.completed == ["a"], "the outcome is kept for the next snapshot")
        #expect(await store.commit() != .durable)
        try store.record([], starting: [(id: "b", attempt: 1), (id: "c", attempt: 1)])
        #expect(await store.commit() == .durable)
        let saved = try #require(try CheckpointReader.load(paths(folder))).checkpoint
        #expect(saved.completed == ["a"])
        #expect((saved.inFlight ?? []).map(\.id) == ["b", "c", "d"])
    }

    @Test func aStartRecordIsRefusedWhileNoSnapshotExistsForTheJournal() async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        // The first snapshot of a first run cannot be written: a journal alone is never read.
        fileSystem.fail(.fsync, errno: ENOSPC, times: 1)
        let session = try CheckpointSession.open(
            graph: try WorkstreamGraph([ws("a")]), paths: paths(folder), fileSystem: fileSystem)
        #expect(session.warnings.contains { $0.hasPrefix("checkpoint not saved") })
        #expect(throws: SystemError.self) { try session.store.attemptStarting(id: "a", attempt: 1) }
        #expect(await session.store.commit() == .durable)
        try session.store.attemptStarting(id: "a", attempt: 1)
        let saved = try #require(try CheckpointReader.load(paths(folder))).checkpoint
        #expect((saved.inFlight ?? []).map(\.id) == ["a"])
    }

    @Test func aSnapshotThatCannotBeWrittenWhileTheJournalCanStaysAWarning() async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let ids = (0..<600).map { "w\($0)" }
        let session = try CheckpointSession.open(
            graph: try WorkstreamGraph((ids + ["late"]).map { ws($0) }), paths: paths(folder), fileSystem: fileSystem)
        let store = session.store
        // Past 64 KiB the journal is folded into a snapshot, whose rename fails.
        for id in ids { store.record([.attemptFinished(report(id), final: true)]) }
        fileSystem.fail(.rename, errno: ENOSPC, path: "-checkpoint.json")
        // The journal holds the batch; the snapshot written after it fails, and the next commit says so.
        #expect(await store.commit() == .durable)
        await store.waitForSnapshot()
        #expect(
            await store.commit()
                == .failed(
                    message: "checkpoint not saved: rename \(paths(folder).checkpoint): No space left on device (errno 28)",
                    stopRun: false))
        try store.attemptStarting(id: "late", attempt: 1)
        let saved = try #require(try CheckpointReader.load(paths(folder))).checkpoint
        #expect(saved.completed.count == 600)
        #expect((saved.inFlight ?? []).map(\.id) == ["late"])
    }

    @Test func aCommitSaysThroughWhichRecordCallItsFsyncMadeTheJournalDurable() async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let session = try CheckpointSession.open(
            graph: try WorkstreamGraph([ws("a"), ws("b"), ws("c"), ws("d")]), paths: paths(folder), fileSystem: fileSystem)
        let store = session.store
        try store.record([], starting: [(id: "a", attempt: 1)])
        try store.record([.attemptFinished(report("a"), final: true)], starting: [(id: "b", attempt: 1)])
        #expect(await store.commitCountingRecords() == (.durable, 2))
        fileSystem.fail(.write, errno: ENOSPC, times: 1)
        #expect(throws: SystemError.self) {
            try store.record([.attemptFinished(report("b"), final: true)], starting: [(id: "c", attempt: 1)])
        }
        let unwritten = await store.commitCountingRecords()
        #expect(unwritten.result != .durable)
        #expect(unwritten.recordsDurable == nil, "nothing the journal failed to take counts as durable")
        try store.record([], starting: [(id: "c", attempt: 1)])
        // The commit before wrote a snapshot holding call 3 in place of the broken journal.
        #expect(await store.commitCountingRecords() == (.durable, 4))
        try store.record([.attemptFinished(report("c"), final: true)], starting: [(id: "d", attempt: 1)])
        #expect(await store.commitCountingRecords() == (.durable, 5))
        let saved = try #require(try CheckpointReader.load(paths(folder))).checkpoint
        #expect(saved.completed == ["a", "b", "c"])
    }
}
