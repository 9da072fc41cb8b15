import Foundation
import OneshotCheckpoint
import Testing

/// `--deadline` through the binary: a real deadline of two seconds (a margin for a loaded machine), exit 7, and the same command
/// resuming without re-running completed work.
@Suite(.timeLimit(.minutes(2))) struct DeadlineEndToEndTests {
    private func checkpoint(_ project: TemporaryProject) throws -> Checkpoint? {
        try CheckpointReader.load(CheckpointPaths(folder: project.file(".sdp/checkpoints"), featureID: "F1"))?.checkpoint
    }

    private func feature(_ project: TemporaryProject) throws {
        try project.workstream("F1", "a", run: "echo a >> ledger")
        // Waits on a marker the deadline comes first; a resume finds it.
        try project.workstream(
            "F1", "b", depends: ["a"], run: "echo b >> ledger; echo $$ > b.pid; read _ < go || :")
        try project.gate("go")
        try project.workstream("F1", "c", depends: ["b"], run: "echo c >> ledger")
    }

    @Test func theDeadlineInterruptsRunningWorkExitsSevenAndTheSameCommandResumes() async throws {
        let project = try TemporaryProject()
        try feature(project)
        let stopped = try await OneshotBinary.run(["F1", "--deadline", "2s", "--grace", "1s"], in: project.path)
        #expect(stopped.exitCode == 7)
        #expect(stopped.stdout.contains("■ b interrupted after"))
        #expect(
            stopped.stdout.contains("; run the same command to resume: 1/3 done; left: b, c"), "stdout: \(stopped.stdout)")
        #expect(stopped.stdout.contains("stopped at the deadline ("))
        let pid = try #require(project.read("b.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        #expect(!isAlive(pid), "the interrupted attempt's shell outlived the run")
        let saved = try #require(try checkpoint(project))
        #expect(saved.completed == ["a"])
        #expect(saved.interrupted == ["b"])
        #expect(saved.inFlight == [])
        try project.openGate("go")
        let resumed = try await OneshotBinary.run(["F1", "--deadline", "1m"], in: project.path)
        #expect(resumed.exitCode == 0, "stderr: \(resumed.stderr)")
        #expect(project.read("ledger") == "a\nb\nb\nc\n", "completed work ran again, or the rest did not run")
    }

    @Test func theDeadlineComesFromTheEnvironmentOrTheConfigurationFileAndAFlagWins() async throws {
        let project = try TemporaryProject()
        try project.write(".sdp/config.yml", "deadline: 10m\n")
        let fromFile = try await OneshotBinary.run(["config"], in: project.path)
        #expect(fromFile.stdout.contains("10m00s"))
        #expect(fromFile.stdout.contains(".sdp/config.yml:1"))
        let fromEnvironment = try await OneshotBinary.run(
            ["config"], in: project.path, environment: ["ONESHOT_DEADLINE": "2026-11-29T18:00:00Z"])
        #expect(fromEnvironment.stdout.contains("2026-11-29T18:00:00Z"))
        #expect(fromEnvironment.stdout.contains("ONESHOT_DEADLINE"))
        let fromFlag = try await OneshotBinary.run(
            ["config", "--deadline", "5m"], in: project.path, environment: ["ONESHOT_DEADLINE": "30m"])
        #expect(fromFlag.stdout.contains("5m00s"))
        #expect(fromFlag.stdout.contains("--deadline"))
        let bad = try await OneshotBinary.run(["config"], in: project.path, environment: ["ONESHOT_DEADLINE": "soon"])
        #expect(bad.exitCode == 2)
        #expect(
            bad.stderr
                == "oneshot: error: ONESHOT_DEADLINE takes a duration from the start such as 50m, or a time such as 2026-11-29T18:00:00Z, not 'soon'\n"
        )
    }

    @Test func aDeadlineGivenAsATimeThatHasPassedStartsNothing() async throws {
        let project = try TemporaryProject()
        try feature(project)
        let stopped = try await OneshotBinary.run(["F1", "--deadline", "2026-01-01T00:00:00Z"], in: project.path)
        #expect(stopped.exitCode == 7)
        #expect(
            stopped.stdout.contains("stopped at the deadline (2026-01-01T00:00:00Z); run the same command to resume: 0/3 done"))
        #expect(project.read("ledger") == nil)
    }

    @Test func aDeadlineFromTheEnvironmentStopsARun() async throws {
        let project = try TemporaryProject()
        try feature(project)
        let stopped = try await OneshotBinary.run(
            ["F1", "--grace", "1s"], in: project.path, environment: ["ONESHOT_DEADLINE": "2s"])
        #expect(stopped.exitCode == 7)
        #expect(project.read("ledger") == "a\nb\n")
    }
}
