import Foundation
import Testing

/// What is said of an attempt a kill -9 of oneshot left running: `status` shows it running with
/// its pid, rather than only "uncertain"; a `--no-wait` run that stops at an open breaker says
/// it left it running; the next run adopts it.
@Suite(.timeLimit(.minutes(3))) struct OrphanReportTests {
    @Test func aStillRunningOrphanIsShownWithItsPid() async throws {
        let project = try TemporaryProject()
        // The attempt waits at the gate until the test opens it; should the test fail first, the
        // project opens it as it is removed, so nothing is left waiting.
        try project.gate("gate")
        try project.workstream("F1", "waits", run: "echo start >> ledger; read _ < gate || :; echo end >> ledger")
        try await project.runKilledOnceItsProcessIsRecorded { project.read("ledger") == "start\n" }
        let status = try await OneshotBinary.run(["status", "F1"], in: project.path)
        #expect(status.exitCode == 0)
        let row = try #require(status.stdout.split(separator: "\n").first { $0.hasPrefix("waits ") })
        #expect(row.contains("uncertain (running as pid "), "\(status.stdout)")
        #expect(row.contains(", adopted by the next run)"))
        let json = try await OneshotBinary.run(["status", "F1", "--json"], in: project.path)
        #expect(json.stdout.contains("\"orphan\":\"running as pid "), "\(json.stdout)")
        let resume = try OneshotBinary.start(["F1"], in: project.path)
        try project.openGate("gate")
        let result = try await resume.finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(project.read("ledger") == "start\nend\n", "adopted, not run again")
    }

    @Test func aNoWaitRunStoppedByTheBreakerSaysItLeftTheOrphanRunning() async throws {
        let project = try TemporaryProject()
        try project.gate("gate")
        try project.workstream("F1", "waits", run: "echo start >> ledger; read _ < gate || :; echo end >> ledger")
        try await project.runKilledOnceItsProcessIsRecorded { project.read("ledger") == "start\n" }
        try openBreaker(in: project)
        let noWait = try await OneshotBinary.run(["F1", "--no-wait"], in: project.path)
        #expect(noWait.exitCode == 4, "\(noWait.stdout)\n\(noWait.stderr)")
        #expect(noWait.stdout.contains("ADOPTED     waits: attempt 1"))
        #expect(noWait.stderr.contains("waits: attempt 1 left running, not waited for; the next run adopts it again"))
        let resume = try OneshotBinary.start(
            ["F1", "--breaker-timeout", "0.3s", "--breaker-max-backoff", "1s"], in: project.path)
        try project.openGate("gate")
        let result = try await resume.finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(project.read("ledger") == "start\nend\n", "adopted twice, run once")
    }

    /// Makes the checkpoint's breaker open for a minute.
    private func openBreaker(in project: TemporaryProject) throws {
        let path = project.file(".sdp/checkpoints/F1-checkpoint.json")
        var object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        object["circuit_breaker"] = [
            "state": 1, "failure_count": 3, "success_count": 0, "consecutive_opens": 1,
            "open_until": ISO8601DateFormatter().string(from: Date().addingTimeInterval(60)),
        ]
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
    }
}
