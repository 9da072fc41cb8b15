import Foundation
import OneshotCheckpoint
import Testing

/// `status` and the logs after runs stopped by signals and by kill -9 (#14): attempts are
/// numbered across runs everywhere, interrupted work stays interrupted, and work in flight at a
/// crash shows the attempt it was making.
@Suite(.timeLimit(.minutes(2))) struct AttemptsAcrossRunsTests {
    /// Says its attempt, marks its start and waits at the gate `go`.
    private static let gated = "echo \"attempt $ONESHOT_ATTEMPT\"; touch started; read _ < go || :"

    private func interruptedRun(_ project: TemporaryProject) async throws {
        try? FileManager.default.removeItem(atPath: project.file("started"))
        let running = try OneshotBinary.start(["F1"], in: project.path)
        #expect(await project.until { project.read("started") != nil })
        kill(running.pid, SIGINT)
        #expect(try await running.finish().exitCode == 130)
    }

    private func status(_ project: TemporaryProject) async throws -> [String: Any] {
        let status = try await OneshotBinary.run(["status", "F1", "--json"], in: project.path)
        #expect(status.exitCode == 0, "\(status.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        let rows = try #require(object["workstreams"] as? [[String: Any]])
        return try #require(rows.first { $0["id"] as? String == "a" })
    }

    @Test func interruptedTwiceIsInterruptedAndAttemptsCountAcrossRuns() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: Self.gated)
        try project.gate("go")
        try await interruptedRun(project)
        try await interruptedRun(project)
        let row = try await status(project)
        #expect(row["state"] as? String == "interrupted")
        #expect(row["attempts"] as? Int == 2)
        let paths = CheckpointPaths(folder: project.file(".sdp/checkpoints"), featureID: "F1")
        let checkpoint = try #require(try CheckpointReader.load(paths)).checkpoint
        #expect(checkpoint.failed == [])
        #expect(checkpoint.interrupted == ["a"])

        try await project.runKilledOnceItsProcessIsRecorded { project.read("started") != nil }
        let crashed = try await status(project)
        #expect(crashed["state"] as? String == "uncertain")
        #expect(crashed["attempts"] as? Int == 3, "the attempt in flight at the crash was made")

        try project.openGate("go")
        let resumed = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(resumed.exitCode == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        let log = try #require(project.read(".sdp/logs/F1/a.log"))
        for attempt in 1...3 {
            let headers = log.components(separatedBy: "=== a attempt \(attempt) · ").count - 1
            #expect(headers == 1, "attempt \(attempt) has \(headers) headers:\n\(log)")
            #expect(log.contains("\nattempt \(attempt)\n"), "ONESHOT_ATTEMPT=\(attempt)")
        }
    }

    @Test func retriesAreCountedWithinARunWhileAttemptsContinue() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo \"attempt $ONESHOT_ATTEMPT\"; test -f ok")
        let first = try await OneshotBinary.run(["F1", "--retries", "1", "--no-breaker"], in: project.path)
        #expect(first.exitCode == 1)
        let second = try await OneshotBinary.run(["F1", "--retries", "1", "--no-breaker"], in: project.path)
        #expect(second.exitCode == 1)
        #expect(second.stdout.contains("▶ a started (attempt 3)"), "\(second.stdout)")
        #expect(second.stdout.contains("▶ a started (attempt 4)"), "\(second.stdout)")
        #expect(try await status(project)["attempts"] as? Int == 4)
    }
}
