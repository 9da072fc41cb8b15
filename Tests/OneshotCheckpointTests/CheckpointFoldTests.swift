import Dispatch
import Foundation
import OneshotCheckpoint
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotTestSupport
import Synchronization
import Testing

/// A fold writes its snapshot outside the store's lock, rotating the journal aside first: a
/// crash at any step leaves the old snapshot with every journal line, or the new snapshot with
/// the new journal, and recording an outcome never waits for the disk writes.
@Suite(.timeLimit(.minutes(3))) struct CheckpointFoldTests {
    /// One step of a fold: the call, and a part of its path.
    struct Step: Sendable, CustomStringConvertible {
        var operation: FaultInjectingFileSystem.Operation
        var path: String
        /// Whether the store's lock is held at this step (the journal's rotation).
        var underLock = false
        var description: String { "\(operation.rawValue) \(path)" }
    }

    static let steps = [
        Step(operation: .rename, path: "-journal.old.jsonl", underLock: true),
        Step(operation: .fsync, path: "-journal.old.jsonl"),
        Step(operation: .open, path: "-checkpoint.json.tmp."),
        Step(operation: .write, path: "-checkpoint.json.tmp."),
        Step(operation: .fsync, path: "-checkpoint.json.tmp."),
        Step(operation: .rename, path: "-checkpoint.json"),
        Step(operation: .fsyncDirectory, path: "checkpoints"),
        Step(operation: .unlink, path: "-journal.old.jsonl"),
    ]

    private func finished(_ id: String) -> JournalEntry {
        .attemptFinished(AttemptReport(id: id, attempt: 1, status: .succeeded, duration: .milliseconds(10)), final: true)
    }

    /// A session of 50 workstreams whose journal outgrew the snapshot, `w0`…`w40` recorded.
    private func grownSession(_ folder: TemporaryFolder, _ fileSystem: FaultInjectingFileSystem) throws -> CheckpointSession {
        let paths = CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")
        let session = try CheckpointSession.open(
            graph: try WorkstreamGraph((0..<50).map { ws("w\($0)") }), paths: paths, fileSystem: fileSystem)
        for index in 0..<600 { session.store.record([finished("w\(index % 40)")]) }
        session.store.record([finished("w40")])
        return session
    }

    private func completed(in folder: String) throws -> Set<String> {
        Set(try #require(try CheckpointReader.load(CheckpointPaths(folder: folder, featureID: "F1"))).checkpoint.completed)
    }

    @Test(arguments: steps)
    func aCrashAtEachStepOfAFoldLosesNoRecord(step: Step) throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let session = try grownSession(folder, fileSystem)
        let crashed = folder.file("crashed")
        let live = folder.file("checkpoints")
        final class Outcome: Sendable { let recorded = Mutex<Bool?>(nil) }
        let recordedDuring = Outcome()
        fileSystem.before(step.operation, path: step.path) {
            if !step.underLock {
                // Another thread records while the fold is stopped at this step.
                let done = DispatchSemaphore(value: 0)
                Thread { [store = session.store] in
                    store.record([
                        .attemptFinished(
                            AttemptReport(id: "w41", attempt: 1, status: .succeeded, duration: .milliseconds(1)), final: true)
                    ])
                    done.signal()
                }.start()
                recordedDuring.recorded.withLock { $0 = done.wait(timeout: .now() + 10) == .success }
            }
            // What is on disk now is what a crash here leaves.
            try? FileManager.default.copyItem(atPath: live, toPath: crashed)
        }
        try session.store.save()
        let during = recordedDuring.recorded.withLock { $0 }
        #expect(FileManager.default.fileExists(atPath: crashed), "the fold never reached \(step)")
        if !step.underLock { #expect(during == true, "recording waited for the fold's disk writes at \(step)") }
        let expected = Set((0...40).map { "w\($0)" })
        let afterCrash = try completed(in: crashed)
        #expect(afterCrash.isSuperset(of: expected), "lost \(expected.subtracting(afterCrash).sorted()) at \(step)")
        if during == true { #expect(afterCrash.contains("w41"), "the line recorded during the fold was lost at \(step)") }
        let after = try completed(in: folder.file("checkpoints"))
        #expect(after.isSuperset(of: expected.union(during == true ? ["w41"] : [])))
        #expect(!folder.names(in: "checkpoints").contains("F1-journal.old.jsonl"), "the previous journal is removed")
    }

    @Test(arguments: steps)
    func aFailureAtEachStepOfAFoldLosesNoRecordAndTheNextFoldRecovers(step: Step) async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let session = try grownSession(folder, fileSystem)
        fileSystem.fail(step.operation, errno: EIO, path: step.path)
        let result = await session.store.commit([finished("w41")])
        await session.store.waitForSnapshot()
        let paths = CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")
        let expected = Set((0...41).map { "w\($0)" })
        #expect(try completed(in: paths.folder).isSuperset(of: expected), "after \(result) at \(step)")
        session.store.record([finished("w42")])
        _ = await session.store.commit()
        try session.store.save()
        #expect(try completed(in: paths.folder).isSuperset(of: expected.union(["w42"])), "at \(step)")
        #expect(!folder.names(in: "checkpoints").contains("F1-journal.old.jsonl"), "at \(step)")
    }
}
