import Foundation
import Testing

/// A parent that ignores SIGCHLD (some CI agents and process supervisors do) passes that on across
/// `exec`: the kernel would then reap every child of oneshot at once, and each exit status would be
/// lost (`ECHILD`). oneshot gives SIGCHLD its default back at start, and `ChildProcess` before
/// each spawn (for a harness that never runs oneshot's `main`).
@Suite(.timeLimit(.minutes(3))) struct IgnoredChildSignalTests {
    /// Ignores SIGCHLD, then execs its arguments.
    private static let ignoringLauncher = [
        "/usr/bin/env", "python3", "-c",
        "import os, signal, sys; signal.signal(signal.SIGCHLD, signal.SIG_IGN); os.execv(sys.argv[1], sys.argv[1:])",
    ]

    private static var hasPython: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/python3")
        }
    }

    @Test(.enabled(if: hasPython, "needs python3 to start oneshot with SIGCHLD ignored"))
    func exitStatusesAreKeptWhenTheParentIgnoresSIGCHLD() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "ok", run: "true")
        try project.workstream("F1", "three", run: "exit 3")
        try project.workstream("F1", "after", depends: ["ok"], run: "echo ran > after.txt")
        let result = try await OneshotBinary.start(["F1", "--json"], in: project.path, launcher: Self.ignoringLauncher)
            .finish()
        #expect(result.exitCode == 1, "\(result.stderr)")
        let finished = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["event"] as? String == "ws_finished" }
        let codes = Dictionary(
            uniqueKeysWithValues: finished.compactMap { event in
                (event["ws_id"] as? String).map { ($0, event["exit_code"] as? Int) }
            })
        #expect(codes == ["ok": 0, "three": 3, "after": 0], "\(finished)")
        #expect(project.read("after.txt") == "ran\n")
    }
}
