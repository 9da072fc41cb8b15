import Foundation
import Testing

/// `--fail-fast`: the first workstream to fail with no retry left stops every launch; running
/// work finishes; exit 1; the checkpoint resumes normally. `-k` is the default.
@Suite(.timeLimit(.minutes(2))) struct FailFastTests {
    @Test func aFailureAfterItsRetriesStopsLaunchingRunningWorkFinishesAndAResumeGoesOn() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo try >> tries; test -f ok", extra: "retries: 1\n")
        // b runs through a's retry and ends only once oneshot has said it stops launching (the
        // test opens its gate then): it is running work at the failure. c becomes ready only
        // then, and is not started.
        try project.workstream("F1", "b", run: "read _ < said || :; touch b.done")
        try project.gate("said")
        try project.workstream("F1", "c", depends: ["b"], run: "touch c.ran")
        let running = try OneshotBinary.start(["F1", "-j", "2", "--fail-fast"], in: project.path)
        #expect(await project.until { running.stdout.contains("--fail-fast: a failed") }, "\(running.stdout)")
        try project.openGate("said")
        let stopped = try await running.finish()
        #expect(stopped.exitCode == 1)
        #expect(project.read("tries") == "try\ntry\n", "its retry is used before the run stops")
        #expect(project.read("b.done") != nil, "running work finished")
        #expect(project.read("c.ran") == nil, "nothing new started")
        #expect(stopped.stdout.contains("--fail-fast: a failed; nothing new starts, running workstreams finish"))
        #expect(stopped.stdout.contains("failed: 1 succeeded, 1 failed, 1 not run"), "\(stopped.stdout)")
        #expect(stopped.stdout.contains("--fail-fast: 1 workstream not started after a failed"))

        try project.write("ok", "")
        let resumed = try await OneshotBinary.run(["F1", "--fail-fast"], in: project.path)
        #expect(resumed.exitCode == 0, "\(resumed.stdout)")
        #expect(resumed.stdout.contains("▶ a started"), "the failure runs again: \(resumed.stdout)")
        #expect(project.read("c.ran") != nil)
    }

    @Test func keepGoingIsTheDefault() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "exit 1")
        try project.workstream("F1", "b", run: "touch b.ran")
        let result = try await OneshotBinary.run(["F1", "-j", "1", "--fail-fast", "-k"], in: project.path)
        #expect(result.exitCode == 1)
        #expect(project.read("b.ran") != nil, "-k after --fail-fast keeps going")
        #expect(!result.stdout.contains("--fail-fast"))
    }
}
