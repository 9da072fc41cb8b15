import Foundation
import OneshotCheckpoint
import Testing

/// An adopted attempt that ends without leaving its exit status is UNCERTAIN, not failed: a
/// resume never runs an `idempotent: false` workstream again that may have done its work.
@Suite(.timeLimit(.minutes(2))) struct UncertainAdoptedOutcomeTests {
    /// Records its shell's pid and its start, waits at the gate `release`, records its end.
    private let gated = "echo $$ > pay.pid; echo start >> ledger; read _ < release || :; echo end >> ledger"

    @Test func anAdoptedAttemptKilledWithoutAnExitStatusIsHeldAsUncertain() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "pay", run: gated, extra: "idempotent: false\n")
        try project.workstream("F1", "mail", depends: ["pay"], run: "echo mailed >> ledger")
        try project.gate("release")
        let paths = CheckpointPaths(folder: project.file(".sdp/checkpoints"), featureID: "F1")
        let inFlight = { @Sendable in ((try? CheckpointReader.load(paths))??.checkpoint.inFlight ?? []) }
        // A first run dies (kill -9) while pay runs: its shell is left running, unwatched.
        let first = try OneshotBinary.start(["F1"], in: project.path)
        #expect(await project.until { project.read("ledger") == "start\n" })
        #expect(await project.until(".sdp/checkpoints/F1-checkpoint.json") { inFlight().contains { $0.pid != nil } })
        kill(first.pid, SIGKILL)
        _ = try await first.finish()
        // The second adopts it; then its shell is killed by a signal, so no exit status is left.
        let second = try OneshotBinary.start(["F1", "--json"], in: project.path)
        #expect(await project.until { second.stdout.contains("\"adopted\":[{\"attempt\":1,\"pid\":") })
        let shell = try #require(project.read("pay.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        kill(shell, SIGKILL)
        let adopted = try await second.finish()
        #expect(adopted.exitCode == 8, "nothing failed: its outcome awaits the next run; \(adopted.stdout)\n\(adopted.stderr)")
        #expect(adopted.stdout.contains("\"status\":\"uncertain\""))
        #expect(adopted.stderr.contains("pay ended after"))
        #expect(adopted.stderr.contains("outcome unknown; it stays UNCERTAIN for the next run"))
        #expect(
            adopted.stderr.contains(
                "UNCERTAIN   pay: its attempt ended without leaving its exit status (log .sdp/logs/F1/pay.log); the next run holds it: check its log, then `oneshot F1 --rerun-uncertain` runs it again, or 'status: completed' in features/F1/pay.md keeps it as done"
            ), "\(adopted.stderr)")
        let validator = try JSONSchemaValidator(schemaAt: JSONEventsTests.schemaPath)
        for line in adopted.stdout.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(validator.validate(object).isEmpty, "\(line)")
        }
        #expect(inFlight().map(\.id) == ["pay"], "the uncertain attempt stays in flight in the checkpoint")
        #expect(project.exitStatus("F1", "pay") == nil)
        // The third holds it: it may have done its work. (Released, so that a wrong re-run ends.)
        try project.openGate("release")
        let third = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(third.exitCode == 8, "\(third.stdout)\n\(third.stderr)")
        #expect(third.stdout.contains("UNCERTAIN   pay: attempt 1 started"))
        #expect(third.stdout.contains("NOT run again (idempotent: false"))
        #expect(project.read("ledger") == "start\n", "pay never ran twice, mail never ran")
    }
}
