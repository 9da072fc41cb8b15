import Foundation
import Testing

/// The environment oneshot was started with reaches the commands byte for byte, bytes that are
/// not UTF-8 included, while the per-attempt variables are oneshot's own.
@Suite(.timeLimit(.minutes(3))) struct InheritedEnvironmentTests {
    /// Before, `X` held `a\u{FFFD}\u{FFFD}b` in the command (`61 ef bf bd ef bf bd 62`): the
    /// environment went through a `[String: String]`.
    @Test func aValueThatIsNotUTF8ReachesTheCommandAsItIs() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "printf %s \"$X\" | od -An -tx1; echo \"id=$ONESHOT_WS_ID\"")
        // Foundation's `Process` takes its environment as strings: a shell sets the bytes.
        let launcher = ["/bin/sh", "-c", "X=$(printf 'a\\377\\376b') ONESHOT_WS_ID=inherited exec \"$@\"", "sh"]
        let result = try await OneshotBinary.start(["F1"], in: project.path, launcher: launcher).finish()
        #expect(result.exitCode == 0, "\(result.stderr)")
        let log = project.read(".sdp/logs/F1/a.log") ?? ""
        #expect(log.contains("\n 61 ff fe 62\n"), "\(log)")
        #expect(log.contains("\nid=a\n"), "the per-attempt variable is oneshot's: \(log)")
    }

    /// The same for a `verify:` command (run on a resume for an attempt whose end is unknown):
    /// before, it got the environment's text, `61 ef bf bd ef bf bd 62`.
    @Test func aVerifyCommandGetsTheBytesToo() async throws {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "pay", run: "echo pay >> ledger",
            extra: "idempotent: false\nverify: printf %s \"$X\" | od -An -tx1 > verify.out\n")
        try project.write(
            ".sdp/checkpoints/F1-checkpoint.json",
            """
            {"version": "1.1", "feature_id": "F1", "timestamp": "2026-11-23T00:00:00Z", "completed": [], "failed": [], "runs": 1,
             "in_flight": [{"id": "pay", "attempt": 1, "started_at": "2026-11-23T00:00:00Z", "run": 1}]}
            """)
        let launcher = ["/bin/sh", "-c", "X=$(printf 'a\\377\\376b') exec \"$@\"", "sh"]
        let result = try await OneshotBinary.start(["F1"], in: project.path, launcher: launcher).finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(project.read("verify.out") == " 61 ff fe 62\n")
        #expect(project.read("ledger") == nil, "verified: not run again")
    }
}
