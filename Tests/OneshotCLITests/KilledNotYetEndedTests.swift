import Foundation
import OneshotCheckpoint
import OneshotSystem
import OneshotTestSupport
import Testing

@testable import OneshotCommand

/// A SIGKILL is acted on only when its process next runs. On a loaded machine (CI, 2 cores) that
/// may be a while, and whatever read `/proc` meanwhile — the sweep of a group after the stop of
/// its leader, the search for escaped processes — found the process still there, signalled it
/// again and counted it twice. A kill now returns once what it signalled has ended. A frozen
/// process (``Freezer``) is one that has not run since its SIGKILL, for as long as the test needs.
@Suite(.timeLimit(.minutes(3))) struct KilledNotYetEndedTests {
    static let freezerMissing = Freezer.unavailableReason

    @Test(.enabled(if: freezerMissing == nil, "needs a cgroup v1 freezer (root, Linux)"))
    func aGroupsStragglersHaveEndedWhenTheirKillReturnsAndAreCountedOnce() async throws {
        let folder = try Folder()
        // The attempt's shell leads its group, leaves a member running and ends.
        let shell = try folder.spawn("sleep 300 & echo $! > \(folder.path)/member")
        let shellStart = try #require(shell.startTime)
        #expect(await processEnds(shell.pid))
        defer { _ = shell.waitUntilExit() }
        let member = try folder.pid("member")
        let memberLeftover = Leftover(member)
        defer { memberLeftover.end() }
        let freezer = try Freezer()
        defer { try? freezer.remove() }
        try await freezer.freeze(member)

        freezer.thaw(onceKillPendingFor: member, within: .seconds(30))
        let killing = Self.onAThreadStartedNow {
            let killed = OrphanReaper.killStragglers(ofGroup: shell.pid, startedNotBefore: shellStart)
            return (killed, ProcessInspector.startTime(of: member))
        }
        let (killed, startWhenItReturned) = await killing.result()
        #expect(killed == 1)
        #expect(startWhenItReturned == nil, "the straggler still ran when its kill returned")
        #expect(OrphanReaper.killStragglers(ofGroup: shell.pid, startedNotBefore: shellStart) == 0, "killed once")
    }

    @Test(.enabled(if: freezerMissing == nil, "needs a cgroup v1 freezer (root, Linux)"))
    func escapeesInAGroupOfTheirOwnAreKilledWithItCountedOnceEachAndHaveEndedWhenTheKillReturns() async throws {
        let folder = try Folder()
        let exitFile = folder.path + "/logs/agent.exit"
        // The attempt's shell starts an escapee leading a group of its own (`setsid` in a
        // background child, not a group leader, does not fork: `$!` is the escapee), which
        // starts a member of its group; then the shell ends.
        let shell = try folder.spawn(
            "setsid sh -c 'sleep 300 & echo $! > \(folder.path)/member; exec sleep 300' & echo $! > \(folder.path)/escapee",
            environment: ["ONESHOT_EXIT_FILE": exitFile, "ONESHOT_ATTEMPT": "1"])
        let shellStart = try #require(shell.startTime)
        #expect(await processEnds(shell.pid))
        defer { _ = shell.waitUntilExit() }
        let escapee = try folder.pid("escapee")
        let escapeeLeftover = Leftover(escapee)
        defer { escapeeLeftover.end(group: true) }
        #expect(await Awaited.files(in: [folder.path], within: .seconds(20)) { (try? folder.pid("member")) != nil })
        let member = try folder.pid("member")
        let memberLeftover = Leftover(member)
        defer { memberLeftover.end() }
        #expect(ProcessInspector.processGroup(of: member) == escapee)
        let freezer = try Freezer()
        defer { try? freezer.remove() }
        try await freezer.freeze(member)

        let record = InFlightRecord(
            id: "agent", attempt: 1, startedAt: RFC3339.format(Date()), pid: shell.pid, processStart: shellStart, run: 1)
        let escaped = EscapedProcesses(logFolder: folder.path + "/logs")
        freezer.thaw(onceKillPendingFor: member, within: .seconds(30))
        let killing = Self.onAThreadStartedNow {
            (escaped.kill(of: record, exitFile: exitFile), ProcessInspector.startTime(of: member))
        }
        let (killed, startWhenItReturned) = await killing.result()
        #expect(killed == 2, "the escapee and the member of its group, each once")
        #expect(startWhenItReturned == nil, "the member still ran when its kill returned")
        #expect(escaped.kill(of: record, exitFile: exitFile) == 0, "a process already killed is not counted again")
    }

    /// Runs `body` on a thread started at once (a task would first wait for the cooperative
    /// pool, which a loaded full run kept busy for longer than the kill waits).
    private static func onAThreadStartedNow(_ body: @escaping @Sendable () -> (Int, UInt64?)) -> Outcome {
        let outcome = Outcome()
        Thread { outcome.continuation.yield(body()) }.start()
        return outcome
    }

    /// What the thread returned, once it has.
    private final class Outcome: Sendable {
        let stream: AsyncStream<(Int, UInt64?)>
        let continuation: AsyncStream<(Int, UInt64?)>.Continuation

        init() {
            (stream, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
        }

        func result() async -> (Int, UInt64?) {
            for await value in stream { return value }
            return (-1, nil)
        }
    }

    /// A folder for the shells' pid files, removed at the end.
    private final class Folder: Sendable {
        let path = NSTemporaryDirectory() + "oneshot-killed-\(UUID().uuidString)"

        init() throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }

        deinit {
            try? FileManager.default.removeItem(atPath: path)
        }

        /// Starts `script` in `/bin/sh`, leading a process group of its own as an attempt's shell does.
        func spawn(_ script: String, environment: [String: String] = [:]) throws -> ChildProcess {
            try ChildProcess.spawn(
                executable: "/bin/sh", arguments: ["sh", "-c", script],
                environment: environment.merging(["PATH": "/usr/bin:/bin"]) { $1 }, outputFD: 2)
        }

        /// The pid a shell wrote, once whole, to `name`.
        func pid(_ name: String) throws -> Int32 {
            let text = try String(contentsOfFile: path + "/" + name, encoding: .utf8)
            guard text.hasSuffix("\n"), let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw CocoaError(.fileReadCorruptFile)
            }
            return pid
        }
    }
}
