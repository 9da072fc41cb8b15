import Foundation
import Testing

/// An `idempotent: false` command that runs in the exit trap's subshell (it has `exec`, `trap`
/// or `eval`) and is stopped by an interrupted run is held by the next run, as any other such
/// command is (hostile review 7: the subshell's outer shell outlived the stop and wrote status
/// 143, which the next run took for a failure and retried — the command ran twice).
@Suite(.timeLimit(.minutes(3))) struct StoppedSubshellTests {
    @Test func anInterruptedNonIdempotentSubshellCommandIsHeldNotRunAgain() async throws {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "pay",
            run: "echo start >> ledger; if [ ! -f stopped ]; then : > stopped; kill -INT $PPID; fi; exec sleep 1",
            extra: "idempotent: false\n")
        let first = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(first.exitCode == 130, "\(first.stdout)\n\(first.stderr)")
        let second = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(second.exitCode == 8, "\(second.stdout)\n\(second.stderr)")
        #expect(second.stdout.contains("HELD        pay: idempotent: false"), "\(second.stdout)")
        #expect(project.read("ledger") == "start\n", "the payment started once")
    }
}
