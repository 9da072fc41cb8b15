import Foundation
import Testing

/// The environment oneshot was started with reaches the commands byte for byte, bytes that are
/// not UTF-8 included, while the per-attempt variables are oneshot's own.
@Suite(.timeLimit(.minutes(1))) struct InheritedEnvironmentTests {
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
}
