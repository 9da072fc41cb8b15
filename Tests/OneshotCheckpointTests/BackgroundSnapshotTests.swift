import Dispatch
import Foundation
import OneshotCheckpoint
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotTestSupport
import Synchronization
import Testing

/// A commit is durable once the journal is fsynced; the every-batch snapshot is written after it,
/// in the background, one fold at a time, and the end of a run waits for it.
@Suite(.timeLimit(.minutes(3))) struct BackgroundSnapshotTests {
    /// A gate the test opens: a fold stopped at it holds the store's queue, on a thread of its own.
    final class Gate: Sendable {
        private let semaphore = DispatchSemaphore(value: 0)
        private let timedOut = Mutex(false)

        /// Stops the caller until ``open()``, 55 s at most (then ``waitedInVain`` is true): just
        /// under the suite's time limit, since under a full suite's load a commit's fsync can
        /// take seconds (a 30 s bound let the fold through before the test's commits were done).
        func pass() {
            if semaphore.wait(timeout: .now() + 55) == .timedOut { timedOut.withLock { $0 = true } }
        }

        func open() { semaphore.signal() }

        /// Whether a caller gave up: the test did not open the gate before it had to return.
        var waitedInVain: Bool { timedOut.withLock { $0 } }
    }

    private func paths(_ folder: TemporaryFolder) -> CheckpointPaths {
        CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")
    }

    private func finished(_ id: String) -> JournalEntry {
        .attemptFinished(AttemptReport(id: id, attempt: 1, status: .succeeded, duration: .milliseconds(5)), final: true)
    }

    private func session(
        _ folder: TemporaryFolder, _ fileSystem: FaultInjectingFileSystem, count: Int = 30, strict: Bool = false
    ) throws -> CheckpointSession {
        try CheckpointSession.open(
            graph: try WorkstreamGraph((0..<count).map { ws("w\($0)") }), paths: paths(folder), fileSystem: fileSystem,
            strict: strict)
    }

    /// The seed's file alone, without the journal.
    private func snapshot(_ folder: TemporaryFolder) throws -> Checkpoint {
        let path = paths(folder).checkpoint
        let bytes = try #require(FileManager.default.contents(atPath: path))
        return try CheckpointCodec.decode(Array(bytes), path: path, featureID: "F1")
    }

    /// What a resume would read: the snapshot and the journals.
    private func resumed(_ folder: TemporaryFolder) throws -> Checkpoint {
        try #require(try CheckpointReader.load(paths(folder))).checkpoint
    }

    private func snapshotRenames(_ fileSystem: FaultInjectingFileSystem, _ folder: TemporaryFolder) -> Int {
        fileSystem.calls.filter { $0 == "rename \(paths(folder).checkpoint)" }.count
    }

    /// Runs `work` on a thread of its own (it blocks), and returns once it has.
    private func onThread(started: @escaping @Sendable () -> Void, _ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            Thread {
                started()
                work()
                done.resume()
            }.start()
        }
    }

    @Test func aCommitIsDurableBeforeItsSnapshotIsWritten() async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let session = try session(folder, fileSystem)
        let gate = Gate()
        fileSystem.before(.open, path: "-checkpoint.json.tmp.") { gate.pass() }
        #expect(await session.store.commit([finished("w0")]) == .durable)
        // The snapshot is not written yet (its fold waits at the gate), but the journal holds w0.
        #expect(try snapshot(folder).completed == [])
        #expect(try resumed(folder).completed == ["w0"])
        gate.open()
        await session.store.waitForSnapshot()
        #expect(!gate.waitedInVain, "the commit waited for its snapshot to be written")
        #expect(try snapshot(folder).completed == ["w0"])
    }

    @Test func commitsDuringAFoldCoalesceIntoTheNextFold() async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let session = try session(folder, fileSystem)
        let before = snapshotRenames(fileSystem, folder)
        let gate = Gate()
        fileSystem.before(.open, path: "-checkpoint.json.tmp.") { gate.pass() }
        for index in 0..<6 { #expect(await session.store.commit([finished("w\(index)")]) == .durable) }
        gate.open()
        await session.store.waitForSnapshot()
        #expect(!gate.waitedInVain, "a commit waited for a snapshot to be written")
        // The fold stopped at the gate, then one for every commit made meanwhile.
        #expect(snapshotRenames(fileSystem, folder) - before <= 2)
        let written = try snapshot(folder)
        #expect(Set(written.completed) == Set((0..<6).map { "w\($0)" }))
        #expect(written.journalSeq == session.store.current.journalSeq)
    }

    @Test(arguments: [false, true])
    func aBackgroundFoldThatFailedIsReportedByTheNextCommit(strict: Bool) async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let session = try session(folder, fileSystem, strict: strict)
        fileSystem.fail(.rename, errno: ENOSPC, path: "-checkpoint.json")
        #expect(await session.store.commit([finished("w0")]) == .durable)
        await session.store.waitForSnapshot()
        #expect(
            await session.store.commit([finished("w1")])
                == .failed(
                    message: "checkpoint not saved: rename \(paths(folder).checkpoint): No space left on device (errno 28)",
                    stopRun: strict))
        #expect(await session.store.commit([finished("w2")]) == .durable)
        await session.store.waitForSnapshot()
        #expect(Set(try snapshot(folder).completed) == ["w0", "w1", "w2"])
    }

    @Test func saveWaitsForTheFoldUnderWayAndLeavesTheSnapshotEqualToTheState() async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let session = try session(folder, fileSystem)
        let gate = Gate()
        fileSystem.before(.open, path: "-checkpoint.json.tmp.") { gate.pass() }
        for index in 0..<10 { _ = await session.store.commit([finished("w\(index)")]) }
        let failure = Mutex<SystemError?>(nil)
        // The fold stopped at the gate goes on once save() has been called: save() must not be
        // overtaken by it, nor leave the fold queued after it to write an older state.
        await onThread(started: { gate.open() }) {
            do throws(SystemError) {
                try session.store.save()
            } catch {
                failure.withLock { $0 = error }
            }
        }
        #expect(failure.withLock { $0 } == nil)
        let renames = snapshotRenames(fileSystem, folder)
        await session.store.waitForSnapshot()
        #expect(snapshotRenames(fileSystem, folder) == renames, "a fold was left to run after save()")
        let written = try snapshot(folder)
        let state = session.store.current
        #expect(written.journalSeq == state.journalSeq)
        #expect(Set(written.completed) == Set(state.completed))
        #expect(written.completed.count == 10)
        #expect(!folder.names(in: "checkpoints").contains("F1-journal.old.jsonl"))
    }

    @Test func removeAllWaitsForTheFoldUnderWaySoNoSnapshotComesBack() async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let session = try session(folder, fileSystem, count: 3)
        let gate = Gate()
        fileSystem.before(.open, path: "-checkpoint.json.tmp.") { gate.pass() }
        for id in ["w0", "w1", "w2"] { _ = await session.store.commit([finished(id)]) }
        let failure = Mutex<SystemError?>(nil)
        await onThread(started: { gate.open() }) {
            do throws(SystemError) {
                try session.store.removeAll()
            } catch {
                failure.withLock { $0 = error }
            }
        }
        #expect(failure.withLock { $0 } == nil)
        await session.store.waitForSnapshot()
        #expect(folder.names(in: "checkpoints").filter { $0.hasPrefix("F1-") } == [])
    }
}
