import Foundation
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotTestSupport
import Synchronization
import Testing

@testable import OneshotCheckpoint

/// Issue #16: a chain of quick workstreams commits every millisecond or two; the every-batch
/// snapshot follows at most every `snapshotInterval` after the last fold, covering every commit
/// made meanwhile, while each commit is durable in the journal at once.
@Suite(.timeLimit(.minutes(3))) struct SnapshotIntervalTests {
    /// A monotonic clock the test moves by hand.
    final class Hands: Sendable {
        private let now = Mutex(ContinuousClock.now)
        var instant: ContinuousClock.Instant { now.withLock { $0 } }
        func advance(_ duration: Duration) { now.withLock { $0 = $0.advanced(by: duration) } }
    }

    private func paths(_ folder: TemporaryFolder) -> CheckpointPaths {
        CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")
    }

    private func finished(_ id: String) -> JournalEntry {
        .attemptFinished(AttemptReport(id: id, attempt: 1, status: .succeeded, duration: .milliseconds(5)), final: true)
    }

    private func store(
        _ folder: TemporaryFolder, _ fileSystem: FaultInjectingFileSystem, interval: Duration, hands: Hands? = nil
    ) throws -> CheckpointStore {
        try FileManager.default.createDirectory(atPath: folder.file("checkpoints"), withIntermediateDirectories: true)
        let graph = try WorkstreamGraph((0..<10).map { ws("w\($0)") })
        let start = ContinuousClock.now
        var clock = CheckpointClock()
        if let hands { clock.monotonic = { hands.instant } }
        let store = CheckpointStore(
            paths: paths(folder), graph: graph, state: CheckpointState(plan: .fresh(graph), previous: nil, startedAt: start),
            seq: 0, fileSystem: fileSystem, strict: false, clock: clock, snapshotInterval: interval)
        try store.save()
        return store
    }

    /// The seed's file alone, without the journal.
    private func snapshot(_ folder: TemporaryFolder) throws -> Checkpoint {
        let path = paths(folder).checkpoint
        let bytes = try #require(FileManager.default.contents(atPath: path))
        return try CheckpointCodec.decode(Array(bytes), path: path, featureID: "F1")
    }

    private func renames(_ fileSystem: FaultInjectingFileSystem, _ folder: TemporaryFolder) -> Int {
        fileSystem.calls.filter { $0 == "rename \(paths(folder).checkpoint)" }.count
    }

    @Test func commitsWithinTheIntervalAreDurableAndWaitForOneFold() async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let store = try store(folder, fileSystem, interval: .seconds(3600), hands: Hands())
        let before = renames(fileSystem, folder)
        for index in 0..<5 { #expect(await store.commit([finished("w\(index)")]) == .durable) }
        // Whatever was queued has run: no fold among it, the next one is due in an hour.
        store.drainQueue()
        #expect(renames(fileSystem, folder) == before)
        #expect(try snapshot(folder).completed == [])
        // Each commit is in the journal all the same: a resume reads them.
        let resumed = try #require(try CheckpointReader.load(paths(folder))).checkpoint
        #expect(Set(resumed.completed) == Set((0..<5).map { "w\($0)" }))
        // The end of a run does not wait for the interval.
        await store.waitForSnapshot()
        #expect(renames(fileSystem, folder) == before + 1)
        #expect(Set(try snapshot(folder).completed) == Set((0..<5).map { "w\($0)" }))
    }

    @Test func aCommitOnceTheIntervalHasPassedFoldsAtOnce() async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let hands = Hands()
        let store = try store(folder, fileSystem, interval: .seconds(3600), hands: hands)
        let before = renames(fileSystem, folder)
        hands.advance(.seconds(3600))
        #expect(await store.commit([finished("w0")]) == .durable)
        store.drainQueue()
        #expect(renames(fileSystem, folder) == before + 1)
        #expect(try snapshot(folder).completed == ["w0"])
    }

    @Test func aCommitDuringAFoldWaitsTheIntervalAfterThatFoldEnds() async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let hands = Hands()
        let store = try store(folder, fileSystem, interval: .seconds(3600), hands: hands)
        let before = renames(fileSystem, folder)
        hands.advance(.seconds(3600))
        // The first fold stops before its rename until the second commit is made.
        let (inFold, signal) = AsyncStream.makeStream(of: Void.self)
        let release = DispatchSemaphore(value: 0)
        let folds = Mutex(0)
        fileSystem.before(.rename, path: paths(folder).checkpoint) {
            guard
                folds.withLock({
                    $0 += 1; return $0
                }) == 1
            else { return }
            signal.yield()
            _ = release.wait(timeout: .now() + 30)
        }
        #expect(await store.commit([finished("w0")]) == .durable)
        var events = inFold.makeAsyncIterator()
        _ = await events.next()
        #expect(await store.commit([finished("w1")]) == .durable)
        release.signal()
        store.drainQueue()
        #expect(renames(fileSystem, folder) == before + 1, "the next fold is due an hour after the first one ended")
        #expect(try snapshot(folder).completed == ["w0"])
        await store.waitForSnapshot()
        #expect(Set(try snapshot(folder).completed) == ["w0", "w1"])
    }

    @Test func theDelayedFoldIsWrittenWithoutAnyoneWaitingForIt() async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let store = try store(folder, fileSystem, interval: .milliseconds(20))
        let (renamed, signal) = AsyncStream.makeStream(of: Void.self)
        fileSystem.before(.rename, path: paths(folder).checkpoint) { signal.yield() }
        #expect(await store.commit([finished("w0")]) == .durable)
        #expect(await store.commit([finished("w1")]) == .durable)
        // Awaits the fold's rename: the timer fires by itself (the suite's limit bounds the wait).
        var events = renamed.makeAsyncIterator()
        _ = await events.next()
        await store.waitForSnapshot()
        #expect(Set(try snapshot(folder).completed) == ["w0", "w1"])
    }

    /// The end of a run that did everything removes the checkpoint before its journals: a crash
    /// at any step of the removal leaves either nothing (the history, written first, then says
    /// the work is done) or the checkpoint with the journal that completes it — never a lagging
    /// snapshot without its journal, which a resume would take for the whole story and run again
    /// what completed since the last fold (hostile review 7).
    @Test(arguments: ["F1-checkpoint.json", "F1-journal.jsonl", "F1-journal.old.jsonl"])
    func aCrashWhileTheCheckpointIsRemovedNeverLeavesALaggingSnapshotAlone(_ step: String) async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let store = try store(folder, fileSystem, interval: .seconds(3600), hands: Hands())
        for index in 0..<5 { #expect(await store.commit([finished("w\(index)")]) == .durable) }
        store.drainQueue()
        #expect(try snapshot(folder).completed == [], "the snapshot lags the journal")
        // nil: the removal never reached the step; "none": no checkpoint to resume from.
        let found = Mutex<String?>(nil)
        let paths = paths(folder)
        fileSystem.before(.unlink, path: step) {
            // What a resume would read after a kill -9 at this instant.
            let loaded = try? CheckpointReader.load(paths)
            found.withLock { $0 = loaded.map { $0.checkpoint.completed.sorted().joined(separator: ",") } ?? "none" }
        }
        try store.removeAll()
        let left = try #require(found.withLock { $0 }, "the removal unlinked \(step)")
        #expect(left == "none" || left == "w0,w1,w2,w3,w4", "before unlinking \(step), a resume would find: \(left)")
        #expect(try CheckpointReader.load(paths) == nil)
    }
}
