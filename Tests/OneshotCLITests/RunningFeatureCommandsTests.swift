import Foundation
import Testing

/// While a run goes on: `list` names its pid, `log -f` follows the running attempt to its end,
/// `clean` is refused (exit 3).
@Suite(.timeLimit(.minutes(2))) struct RunningFeatureCommandsTests {
    @Test func listLogAndCleanBesideARun() async throws {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "a", run: "echo before gate; read _ < gate || :; echo after gate")
        try project.gate("gate")
        let run = try OneshotBinary.start(["F1"], in: project.path)
        let runLeftover = Leftover(run.pid)
        defer { runLeftover.end() }
        let log = ".sdp/logs/F1/a.log"
        #expect(await project.until(log) { project.read(log)?.contains("before gate") == true })

        let list = try await OneshotBinary.run(["list"], in: project.path)
        #expect(list.stdout.contains("running (pid \(run.pid)"), "\(list.stdout)")
        let json = try await OneshotBinary.run(["list", "F1", "--json"], in: project.path)
        #expect(json.stdout.contains("\"pid\":\(run.pid)"), "\(json.stdout)")

        let clean = try await OneshotBinary.run(["clean", "F1"], in: project.path)
        #expect(clean.exitCode == 3)
        #expect(clean.stderr.contains("F1 is running (pid \(run.pid))"), "\(clean.stderr)")
        #expect(project.read(log) != nil, "nothing removed")

        let follow = try OneshotBinary.start(["log", "F1", "a", "-f"], in: project.path)
        let followLeftover = Leftover(follow.pid)
        defer { followLeftover.end() }
        #expect(await project.until { follow.stdout.contains("before gate") })
        try project.openGate("gate")
        let followed = try await follow.finish()
        #expect(followed.exitCode == 0, "\(followed.stderr)")
        #expect(followed.stdout.contains("after gate\n=== a attempt 1 ended: exit 0"), "\(followed.stdout)")
        #expect(try await run.finish().exitCode == 0)
    }

    @Test func followingEndsWhenTheRunEndsBeforeTheAttempt() async throws {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "a", run: "echo waiting; read _ < gate || :",
            extra: "idempotent: true\n")
        try project.gate("gate")
        let run = try OneshotBinary.start(["F1"], in: project.path)
        let runLeftover = Leftover(run.pid)
        defer { runLeftover.end() }
        #expect(await project.until(".sdp/logs/F1/a.log") { project.read(".sdp/logs/F1/a.log")?.contains("waiting") == true })
        let follow = try OneshotBinary.start(["log", "F1", "a", "--follow"], in: project.path)
        let followLeftover = Leftover(follow.pid)
        defer { followLeftover.end() }
        #expect(await project.until { follow.stdout.contains("waiting") })
        // The run dies; its attempt goes on (the next run adopts it): following ends with the run.
        kill(run.pid, SIGKILL)
        let followed = try await follow.finish()
        #expect(followed.exitCode == 0)
        #expect(followed.stderr.contains("the run of F1 ended before this attempt did"), "\(followed.stderr)")
        try project.openGate("gate")
        _ = try await run.finish()
        // The orphan is waited for by the next run, which ends it properly.
        #expect(try await OneshotBinary.run(["F1"], in: project.path).exitCode == 0)
    }
}
