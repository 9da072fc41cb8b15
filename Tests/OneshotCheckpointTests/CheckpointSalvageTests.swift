import Foundation
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotTestSupport
import OneshotWorkstreams
import Synchronization
import Testing

@testable import OneshotCheckpoint

/// Issue #11: progress the writer produced is never discarded; the seed's file shows the run.
@Suite(.timeLimit(.minutes(3))) struct CheckpointSalvageTests {
    private func paths(_ folder: TemporaryFolder) -> CheckpointPaths {
        CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")
    }

    private func finished(_ id: String, cost: Double? = nil) -> JournalEntry {
        let result = ExecutionResult(succeeded: true, costUSD: cost)
        return .attemptFinished(
            AttemptReport(id: id, attempt: 1, status: .succeeded, duration: .milliseconds(10), result: result), final: true)
    }

    /// The snapshot as a reader of the seed's file sees it, without the journal.
    private func snapshot(_ paths: CheckpointPaths) throws -> Checkpoint {
        try CheckpointCodec.decode(
            Array(try Data(contentsOf: URL(fileURLWithPath: paths.checkpoint))), path: "c", featureID: "F1")
    }

    private func append(_ text: String, to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
    }

    @Test func aWallClockStepBackDoesNotMakeTheRunsTimeNegative() throws {
        let folder = try TemporaryFolder()
        let graph = try WorkstreamGraph([ws("a")])
        try FileManager.default.createDirectory(atPath: folder.file("checkpoints"), withIntermediateDirectories: true)
        let start = ContinuousClock.now
        // The run took 3.5 s; meanwhile the wall clock was set back an hour.
        let clock = CheckpointClock(
            wall: { Date().addingTimeInterval(-3600) }, monotonic: { start.advanced(by: .milliseconds(3500)) })
        let state = CheckpointState(plan: .fresh(graph), previous: nil, startedAt: start)
        let store = CheckpointStore(
            paths: paths(folder), graph: graph, state: state, seq: 0, fileSystem: PosixFileSystem(), strict: false, clock: clock)
        try store.save()
        #expect(try snapshot(paths(folder)).elapsedMS == 3500)
        #expect(store.current.elapsedMS == 3500)
    }

    @Test func theSnapshotIsRewrittenAfterEveryBatchOfASmallFeature() async throws {
        let folder = try TemporaryFolder()
        let graph = try WorkstreamGraph([ws("a"), ws("b"), ws("c")])
        let session = try CheckpointSession.open(graph: graph, paths: paths(folder))
        #expect(await session.store.commit([finished("a")]) == .durable)
        await session.store.waitForSnapshot()
        #expect(try snapshot(paths(folder)).completed == ["a"])
        #expect(await session.store.commit([finished("b")]) == .durable)
        await session.store.waitForSnapshot()
        #expect(try snapshot(paths(folder)).completed == ["a", "b"])
    }

    @Test func theSnapshotAlwaysHoldsACircuitBreaker() throws {
        let folder = try TemporaryFolder()
        _ = try CheckpointSession.open(graph: try WorkstreamGraph([ws("a")]), paths: paths(folder))
        let raw = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: paths(folder).checkpoint)))
                as? [String: Any])
        let breaker = try #require(raw["circuit_breaker"] as? [String: Any], "circuit_breaker is missing")
        #expect(breaker["state"] as? Int == 0)
        #expect(breaker["failure_count"] as? Int == 0)
        #expect(breaker["success_count"] as? Int == 0)
        #expect(breaker["consecutive_opens"] as? Int == 0)
        #expect(breaker["last_failure_time"] as? String == "0001-01-01T00:00:00Z")
    }

    @Test func aCostTheOldLoaderRefusedIsSavedWithinRangeAndLoads() async throws {
        let folder = try TemporaryFolder()
        let graph = try WorkstreamGraph([ws("a"), ws("b")])
        let session = try CheckpointSession.open(graph: graph, paths: paths(folder))
        _ = await session.store.commit([finished("a", cost: 1_500_000_000)])
        try session.finish(allDone: false)
        let reopened = try CheckpointSession.open(graph: graph, paths: paths(folder))
        #expect(reopened.plan.completed == ["a"])
        #expect(reopened.previous?.costUSD == 1e9)
        #expect(reopened.warnings == [])
    }

    @Test func anUnreadableMiddleLineDoesNotHideTheLinesAfterIt() throws {
        let folder = try TemporaryFolder()
        let graph = try WorkstreamGraph([ws("a"), ws("b"), ws("c")])
        let session = try CheckpointSession.open(graph: graph, paths: paths(folder))
        session.store.record([finished("a")])
        try append("{\"seq\": \"garbled\"}\n", to: paths(folder).journal)
        session.store.record([finished("b")])
        let (loaded, notes) = try #require(try CheckpointReader.load(paths(folder)))
        #expect(loaded.completed == ["a", "b"])
        #expect(notes == ["journal line 2 is unreadable in \(paths(folder).journal); skipped, the 2 readable line(s) are kept"])
    }

    @Test func aTornLastLineIsCutOffBeforeTheNextAppend() throws {
        let folder = try TemporaryFolder()
        let graph = try WorkstreamGraph([ws("a"), ws("b"), ws("c")])
        let first = try CheckpointSession.open(graph: graph, paths: paths(folder))
        first.store.record([finished("a")])
        try append("{\"seq\":99,\"at\":\"2026", to: paths(folder).journal)  // a crash mid-append
        first.lock.release()
        // The next run cannot write its first snapshot (the disk is full), so the journal stays.
        let fileSystem = FaultInjectingFileSystem()
        fileSystem.fail(.rename, errno: ENOSPC, times: 1)
        let second = try CheckpointSession.open(graph: graph, paths: paths(folder), fileSystem: fileSystem)
        #expect(second.plan.completed == ["a"])
        second.store.record([finished("b")])
        let loaded = try #require(try CheckpointReader.load(paths(folder)))
        #expect(loaded.checkpoint.completed == ["a", "b"], "b was appended onto the torn line")
        #expect(loaded.notes == [])
    }

    @Test func aCheckpointThatFailsValidationIsSalvaged() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("checkpoints"), withIntermediateDirectories: true)
        try folder.write(
            "checkpoints/F1-checkpoint.json",
            """
            {"version": "1.1", "feature_id": "F1", "timestamp": "yesterday", "completed": ["a", "../x"], "failed": [],
             "in_flight": [{"id": "c", "attempt": 1, "started_at": "2026-02-07T12:34:00Z", "run": 1}], "runs": 1}
            """)
        let graph = try WorkstreamGraph([ws("a"), ws("b", ["a"]), ws("c", idempotent: false)])
        let session = try CheckpointSession.open(graph: graph, paths: paths(folder))
        #expect(session.plan.completed == ["a"])
        #expect(session.plan.held == ["c"], "non-idempotent work that was running must not run twice")
        #expect(FileManager.default.fileExists(atPath: paths(folder).checkpoint + ".corrupt"))
        #expect(
            session.warnings == [
                "checkpoint \(paths(folder).checkpoint): timestamp 'yesterday' is not an RFC 3339 time; moved it to \(paths(folder).checkpoint).corrupt; salvaged what could be read: 1 completed, 1 running when it was written; the rest runs again"
            ])
    }

    @Test func salvageSurvivesAbsurdNumbersInTheFileAndTheJournal() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("checkpoints"), withIntermediateDirectories: true)
        try folder.write(
            "checkpoints/F1-checkpoint.json",
            """
            {"version": "1.1", "feature_id": "F1", "timestamp": "?", "completed": ["a"], "failed": [], "runs": \(Int.max),
             "workstreams": {"b": {"attempts": \(Int.max), "duration_ms": \(Int.max)}}}
            """)
        let line = JournalLine(
            seq: 1, at: "2026-02-07T12:34:56.000Z",
            finished: [
                FinishedAttempt(
                    id: "b", attempt: 1, run: 1, status: "succeeded", final: true, durationMS: Int.max, costUSD: 1e300)
            ])
        try Data(line.encoded).write(to: URL(fileURLWithPath: folder.file("checkpoints/F1-journal.jsonl")))
        let session = try CheckpointSession.open(graph: try WorkstreamGraph([ws("a"), ws("b")]), paths: paths(folder))
        #expect(session.plan.completed == ["a", "b"])
        let record = try #require(session.previous?.workstreams?["b"])
        #expect(record.attempts == 1_000_000 && record.durationMS == 315_360_000_000 && record.costUSD == 1e9)
    }

    @Test func aTruncatedSnapshotKeepsItsCompletedSetAndItsJournal() async throws {
        let folder = try TemporaryFolder()
        let graph = try WorkstreamGraph((0..<50).map { ws("w\($0)") })
        let first = try CheckpointSession.open(graph: graph, paths: paths(folder))
        _ = await first.store.commit([finished("w1"), finished("w2")])
        await first.store.waitForSnapshot()
        first.store.record([finished("w3")])
        first.lock.release()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: paths(folder).checkpoint))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: paths(folder).checkpoint))
        let second = try CheckpointSession.open(graph: graph, paths: paths(folder))
        #expect(second.plan.completed == ["w1", "w2", "w3"])
        #expect(second.warnings.first?.contains("not valid JSON") == true)
        #expect(second.warnings.first?.hasSuffix("salvaged what could be read: 3 completed; the rest runs again") == true)
        #expect(FileManager.default.fileExists(atPath: paths(folder).checkpoint + ".corrupt.journal"))
    }

    @Test func startingFromZeroIsTheLastResortAndSaidLoudly() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("checkpoints"), withIntermediateDirectories: true)
        try folder.write("checkpoints/F1-checkpoint.json", "\u{0}\u{0}garbage")
        let session = try CheckpointSession.open(graph: try WorkstreamGraph([ws("a")]), paths: paths(folder))
        #expect(session.plan.completed == [])
        #expect(
            session.warnings.first?.hasSuffix(
                "NOTHING of its progress could be read: STARTING FROM ZERO, every workstream runs again") == true)
    }
}
