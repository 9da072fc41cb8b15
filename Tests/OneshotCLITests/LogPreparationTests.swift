import Foundation
import OneshotDispatch
import OneshotSystem
import OneshotWorkstreams
import Testing

@testable import OneshotCommand

/// The CLI's executor opens a workstream's log while the attempts it waits on run
/// (``CommandExecutor/prepare(_:)``): the launch writes through that descriptor, and a log that
/// is never used is closed, removed only when its preparation created it and it is empty.
@Suite(.timeLimit(.minutes(3))) struct LogPreparationTests {
    private struct Folder {
        let path = NSTemporaryDirectory() + "oneshot-prepare-" + UUID().uuidString
        var logs: String { path + "/logs/F1" }
        func log(_ id: String) -> String { logs + "/\(id).log" }
        func read(_ id: String) -> String? { try? String(contentsOfFile: log(id), encoding: .utf8) }
        func exists(_ id: String) -> Bool { FileManager.default.fileExists(atPath: log(id)) }
        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }

    private func executor(_ folder: Folder) -> CommandExecutor {
        CommandExecutor(featureID: "F1", logFolder: folder.logs, terminationGrace: .seconds(1))
    }

    @Test func theLaunchWritesThroughTheDescriptorOpenedAhead() async throws {
        let folder = Folder()
        defer { folder.remove() }
        let commands = executor(folder)
        let step = Workstream(id: "b", command: "echo from-b")
        await commands.prepare(step, attempt: 1)
        #expect(folder.read("b") == "", "created, folder and all, before the launch")
        // Moved aside: an attempt that opened the log by its path again would make a new file.
        try FileManager.default.moveItem(atPath: folder.log("b"), toPath: folder.log("moved"))
        let result = try await commands(step, 1)
        #expect(result.succeeded)
        #expect(!folder.exists("b"), "the prepared descriptor was used, not the path")
        let text = try #require(folder.read("moved"))
        #expect(text.hasPrefix("\n=== b attempt 1 · "))
        #expect(text.contains("\nfrom-b\n=== b attempt 1 ended: exit 0 after "), "\(text)")
    }

    @Test func aDiscardedLogItsPreparationCreatedIsRemoved() async throws {
        let folder = Folder()
        defer { folder.remove() }
        let commands = executor(folder)
        let step = Workstream(id: "b", command: "true")
        await commands.prepare(step, attempt: 1)
        #expect(folder.exists("b"))
        await commands.discard(step)
        #expect(!folder.exists("b"))
    }

    @Test func anEarlierRunsLogIsKeptAsItWasWhenDiscarded() async throws {
        let folder = Folder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.logs, withIntermediateDirectories: true)
        try Data("earlier attempt\n".utf8).write(to: URL(fileURLWithPath: folder.log("b")))
        let commands = executor(folder)
        let step = Workstream(id: "b", command: "true")
        await commands.prepare(step, attempt: 1)
        await commands.discard(step)
        #expect(folder.read("b") == "earlier attempt\n")
    }

    /// An empty log is one a run killed before the attempt came left (its shell parked): no
    /// attempt's, so it goes as one this preparation made would. Before, it stayed.
    @Test func anEmptyLogAKilledRunLeftIsRemovedWhenDiscarded() async throws {
        let folder = Folder()
        defer { folder.remove() }
        try FileManager.default.createDirectory(atPath: folder.logs, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: folder.log("b"), contents: Data()))
        let commands = executor(folder)
        let step = Workstream(id: "b", command: "true")
        await commands.prepare(step, attempt: 1)
        await commands.discard(step)
        #expect(!folder.exists("b"))
    }

    @Test func aDiscardAfterTheLaunchLeavesTheAttemptsLog() async throws {
        let folder = Folder()
        defer { folder.remove() }
        let commands = executor(folder)
        let step = Workstream(id: "b", command: "true")
        await commands.prepare(step, attempt: 1)
        _ = try await commands(step, 1)
        await commands.discard(step)
        #expect(folder.read("b")?.contains("=== b attempt 1 ended: exit 0") == true)
        // A second attempt (a retry) opens the log by its path, as ever.
        _ = try await commands(step, 2)
        #expect(folder.read("b")?.contains("=== b attempt 2 ended: exit 0") == true)
    }

    @Test func aWorkstreamWithoutACommandIsNotPrepared() async throws {
        let folder = Folder()
        defer { folder.remove() }
        await executor(folder).prepare(Workstream(id: "b"), attempt: 1)
        #expect(!FileManager.default.fileExists(atPath: folder.logs))
    }
}

/// Through the binary: a workstream prepared while its dependency ran, and skipped when that
/// failed, leaves no log; a chain's logs each hold their attempt, header to footer.
@Suite(.timeLimit(.minutes(3))) struct LogPreparationEndToEndTests {
    @Test func aSkippedDependentLeavesNoLog() async throws {
        let project = try TemporaryProject()
        // a runs long enough for b's log to be opened ahead before it fails.
        try project.workstream("F1", "a", run: "sleep 0.3; exit 3")
        try project.workstream("F1", "b", depends: ["a"], run: "touch b.ran")
        let result = try await OneshotBinary.run(["F1", "-j", "2"], in: project.path)
        #expect(result.exitCode == 1, "\(result.stdout)")
        #expect(project.read("b.ran") == nil)
        #expect(project.read(".sdp/logs/F1/a.log") != nil)
        #expect(project.read(".sdp/logs/F1/b.log") == nil, "the log opened ahead for b is removed")
    }

    @Test func eachStepOfAChainLogsItsOwnAttempt() async throws {
        let project = try TemporaryProject()
        let steps = (0..<6).map { "s\($0)" }
        for (index, step) in steps.enumerated() {
            try project.workstream("F1", step, depends: index == 0 ? [] : [steps[index - 1]], run: "echo \(step)-output")
        }
        let result = try await OneshotBinary.run(["F1", "-j", "2"], in: project.path)
        #expect(result.exitCode == 0, "\(result.stdout)")
        for step in steps {
            let log = try #require(project.read(".sdp/logs/F1/\(step).log"))
            #expect(log.hasPrefix("\n=== \(step) attempt 1 · "))
            #expect(log.contains("\n\(step)-output\n=== \(step) attempt 1 ended: exit 0 after "), "\(log)")
        }
    }
}
