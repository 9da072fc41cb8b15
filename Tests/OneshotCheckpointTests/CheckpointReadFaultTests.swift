import Foundation
import OneshotCheckpoint
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotTestSupport
import Testing

/// Every read of the checkpoint goes through the ``FileSystem`` seam: a read that fails is a
/// clear error naming the path, never taken for "no checkpoint" (a silent fresh start would run
/// completed work again).
@Suite(.timeLimit(.minutes(3))) struct CheckpointReadFaultTests {
    /// A folder with a checkpoint whose journal holds one finished attempt past the snapshot.
    private func checkpointWithJournal(_ folder: TemporaryFolder) async throws -> CheckpointPaths {
        let paths = CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")
        let graph = try WorkstreamGraph((0..<3).map { ws("w\($0)") })
        let session = try CheckpointSession.open(graph: graph, paths: paths)
        let report = AttemptReport(id: "w1", attempt: 1, status: .succeeded, duration: .milliseconds(10))
        #expect(await session.store.commit([.attemptFinished(report, final: true)]) == .durable)
        await session.store.waitForSnapshot()
        session.lock.release()
        #expect(try Data(contentsOf: URL(fileURLWithPath: paths.journal)).isEmpty == false)
        return paths
    }

    private func openFails(_ paths: CheckpointPaths, _ fileSystem: FaultInjectingFileSystem) throws -> String {
        do {
            _ = try CheckpointSession.open(
                graph: try WorkstreamGraph((0..<3).map { ws("w\($0)") }), paths: paths, fileSystem: fileSystem)
        } catch {
            return "\(error)"
        }
        Issue.record("the session opened although a read failed")
        return ""
    }

    @Test(arguments: [
        (FaultInjectingFileSystem.Operation.openForReading, EACCES, "open"),
        (FaultInjectingFileSystem.Operation.read, EIO, "read"),
    ])
    func anUnreadableSnapshotStopsTheRunAndIsNotMovedAside(
        operation: FaultInjectingFileSystem.Operation, code: Int32, call: String
    )
        async throws
    {
        let folder = try TemporaryFolder()
        let paths = try await checkpointWithJournal(folder)
        let fileSystem = FaultInjectingFileSystem()
        fileSystem.fail(operation, errno: code, times: 10, path: "-checkpoint.json")
        let message = try openFails(paths, fileSystem)
        #expect(message.hasPrefix("checkpoint folder unusable: \(call) \(paths.checkpoint): "), "\(message)")
        #expect(message.hasSuffix("(errno \(code))"), "\(message)")
        #expect(!folder.names(in: "checkpoints").contains { $0.contains("corrupt") }, "an unreadable file is not corrupt")
        #expect(try CheckpointReader.load(paths)?.checkpoint.completed == ["w1"], "nothing was lost")
    }

    @Test(arguments: [
        (FaultInjectingFileSystem.Operation.openForReading, EACCES, "open"),
        (FaultInjectingFileSystem.Operation.read, EIO, "read"),
    ])
    func anUnreadableJournalIsAnErrorNotAnEmptyJournal(operation: FaultInjectingFileSystem.Operation, code: Int32, call: String)
        async throws
    {
        let folder = try TemporaryFolder()
        let paths = try await checkpointWithJournal(folder)
        let fileSystem = FaultInjectingFileSystem()
        fileSystem.fail(operation, errno: code, times: 10, path: "-journal.jsonl")
        #expect {
            try CheckpointReader.load(paths, fileSystem: fileSystem)
        } throws: { error in
            guard let error = error as? CheckpointError else { return false }
            return error.path == paths.journal && error.cause?.errno == code
                && error.description.hasPrefix("\(paths.journal): cannot be read: \(call): ")
        }
        let message = try openFails(paths, fileSystem)
        #expect(message.hasPrefix("checkpoint folder unusable: \(call) \(paths.journal): "), "\(message)")
        #expect(try CheckpointReader.load(paths)?.checkpoint.completed == ["w1"], "the journal's record was kept")
    }

    @Test(arguments: [EACCES, EIO])
    func aFolderThatCannotBeListedForTemporariesIsAClearError(code: Int32) async throws {
        let folder = try TemporaryFolder()
        let paths = try await checkpointWithJournal(folder)
        let fileSystem = FaultInjectingFileSystem()
        fileSystem.fail(.listDirectory, errno: code, times: 10)
        let message = try openFails(paths, fileSystem)
        #expect(message.hasPrefix("checkpoint folder unusable: opendir \(paths.folder): "), "\(message)")
        #expect(message.hasSuffix("(errno \(code))"), "\(message)")
    }

    @Test(arguments: [EACCES, EROFS])
    func aFolderThatCannotBeMadeIsAClearError(code: Int32) throws {
        let folder = try TemporaryFolder()
        let paths = CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")
        let fileSystem = FaultInjectingFileSystem()
        fileSystem.fail(.makeDirectories, errno: code, times: 10)
        let message = try openFails(paths, fileSystem)
        #expect(
            message
                == "checkpoint folder unusable: mkdir \(paths.folder): \(SystemError(call: "", errno: code).reason) (errno \(code))"
        )
        #expect(folder.names.isEmpty)
    }

    @Test func anUnreadableHistoryIsAWarningThatEveryWorkstreamRuns() throws {
        let folder = try TemporaryFolder()
        try folder.write("history.json", "{}")
        let fileSystem = FaultInjectingFileSystem()
        fileSystem.fail(.read, errno: EIO, path: "history.json")
        let (history, warning) = RunHistory.load(folder.file("history.json"), featureID: "F1", fileSystem: fileSystem)
        #expect(history == nil)
        #expect(warning?.hasPrefix("history \(folder.file("history.json")) cannot be read: read ") == true, "\(warning ?? "")")
        #expect(warning?.hasSuffix("ignored: every workstream runs, and a successful run writes it anew") == true)
    }
}
