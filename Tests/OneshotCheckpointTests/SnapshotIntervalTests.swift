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
@Suite(.timeLimit(.minutes(1))) struct SnapshotIntervalTests {
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
}
