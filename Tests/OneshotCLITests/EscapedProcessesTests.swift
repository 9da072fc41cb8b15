import Foundation
import OneshotCheckpoint
import OneshotSystem
import OneshotTestSupport
import Testing

@testable import OneshotCommand

/// What a resume kills as escaped from an earlier run's attempt: only what left the attempt's
/// process group. A member of the group is the group sweep's; on a loaded machine (CI, 2 cores)
/// one it had just SIGKILLed was still running when `/proc` was read for escapees, was counted a
/// second time, and the warning said "killed 2 processes" for one.
@Suite struct EscapedProcessesTests {
    @Test func aMemberOfTheAttemptsGroupIsNotAnEscapeeAndAnEscapeeIsKilledOnce() async throws {
        #if os(Linux)
            let folder = NSTemporaryDirectory() + "oneshot-escapees-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let exitFile = folder + "/logs/agent.exit"
            // The attempt's shell leads its own group (as every attempt's does), starts a member
            // of that group and an escapee leading another (`setsid` in a background child, not a
            // group leader, does not fork: `$!` is the escapee), and ends: its leader is gone.
            let shell = try ChildProcess.spawn(
                executable: "/bin/sh",
                arguments: [
                    "sh", "-c", "sleep 300 & echo $! > \(folder)/member; setsid sleep 300 & echo $! > \(folder)/escapee",
                ],
                environment: ["ONESHOT_EXIT_FILE": exitFile, "ONESHOT_ATTEMPT": "1", "PATH": "/usr/bin:/bin"],
                outputFD: 2)
            let shellStart = try #require(shell.startTime)
            // Its end is awaited without reaping it: `wait` would kill the rest of its group.
            #expect(await processEnds(shell.pid))
            defer { _ = shell.waitUntilExit() }
            let member = try pid(in: folder + "/member")
            let escapee = try pid(in: folder + "/escapee")
            let leftovers = [Leftover(member), Leftover(escapee)]
            defer { leftovers.forEach { $0.end() } }
            #expect(ProcessInspector.processGroup(of: member) == shell.pid)
            #expect(ProcessInspector.processGroup(of: escapee) == escapee)

            let record = InFlightRecord(
                id: "agent", attempt: 1, startedAt: RFC3339.format(Date()), pid: shell.pid, processStart: shellStart,
                run: 1)
            let escaped = EscapedProcesses(logFolder: folder + "/logs")
            #expect(escaped.kill(of: record, exitFile: exitFile) == 1, "the escapee only")
            #expect(await processEnds(escapee))
            #expect(ProcessInspector.startTime(of: member) != nil, "the group's member is left to the group sweep")
            #expect(OrphanReaper.killStragglers(ofGroup: shell.pid, startedNotBefore: shellStart) == 1)
            #expect(await processEnds(member))
            #expect(escaped.kill(of: record, exitFile: exitFile) == 0, "a process already killed is not counted again")
        #endif
    }

    /// The pid a shell wrote to `path` before it exited.
    private func pid(in path: String) throws -> Int32 {
        try #require(Int32(String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}
