import Foundation
import Testing

@testable import OneshotCLI

/// Output for CI logs through the binary: the heartbeat under `CI`, `--color` with `FORCE_COLOR`
/// and `NO_COLOR`, and GitHub's annotations, group and `$GITHUB_OUTPUT`.
@Suite(.timeLimit(.minutes(2))) struct CIOutputTests {
    /// Unset for the binary whatever the test runner's environment says (empty counts as unset).
    private static let plain = [
        "CI": "", "GITHUB_ACTIONS": "", "GITHUB_OUTPUT": "", "FORCE_COLOR": "", "NO_COLOR": "", "ONESHOT_HEARTBEAT": "",
    ]

    private func environment(_ extra: [String: String]) -> [String: String] {
        Self.plain.merging(extra) { $1 }
    }

    @Test func underCIAHeartbeatNamesTheRunningWorkstreamsAndTheirTime() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "quick", run: "true")
        try project.workstream("F1", "slow", run: "read _ < gate || :")
        try project.gate("gate")
        let running = try OneshotBinary.start(
            ["F1", "--heartbeat", "1s"], in: project.path, environment: environment(["CI": "true"]))
        let beat = await project.until { running.stdout.contains("] … running: slow for ") }
        try project.openGate("gate")
        let result = try await running.finish()
        #expect(beat, "no heartbeat: \(result.stdout)")
        #expect(result.exitCode == 0)
        let line = try #require(result.stdout.split(separator: "\n").first { $0.contains("… running: slow for ") })
        #expect(line.hasSuffix(" · 1/2 done"), "\(line)")
        #expect(line.hasPrefix("["))
    }

    @Test func withoutCIOrWithHeartbeatOffThereIsNone() async throws {
        for (extra, flags) in [([String: String](), ["--heartbeat", "1s"]), (["CI": "true"], ["--heartbeat", "off"])] {
            let project = try TemporaryProject()
            // Long enough for two heartbeats of 1 s, had there been any.
            try project.workstream("F1", "slow", run: "sleep 2.2")
            let result = try await OneshotBinary.run(["F1"] + flags, in: project.path, environment: environment(extra))
            #expect(result.exitCode == 0)
            #expect(!result.stdout.contains("… running"), "\(extra) \(flags): \(result.stdout)")
        }
    }

    @Test func theHeartbeatComesFromTheEnvironmentOrTheFileAndIsAtLeastASecond() async throws {
        let project = try TemporaryProject()
        let fromEnvironment = try await OneshotBinary.run(
            ["config"], in: project.path, environment: environment(["ONESHOT_HEARTBEAT": "5m"]))
        #expect(fromEnvironment.stdout.contains("5m00s"))
        #expect(fromEnvironment.stdout.contains("ONESHOT_HEARTBEAT"))
        try project.write(".sdp/config.yml", "heartbeat: off\ncolor: always\n")
        let fromFile = try await OneshotBinary.run(["config"], in: project.path, environment: environment([:]))
        #expect(fromFile.stdout.contains(".sdp/config.yml:1"))
        #expect(fromFile.stdout.contains(".sdp/config.yml:2"))
        let tooShort = try await OneshotBinary.run(["config", "--heartbeat", "500ms"], in: project.path)
        #expect(tooShort.exitCode == 2)
        #expect(
            tooShort.stderr.hasPrefix(
                "oneshot: error: --heartbeat takes a duration of at least 1s such as 60s or 5m, or off, not '500ms'\n"))
        let badColour = try await OneshotBinary.run(["config", "--color", "sometimes"], in: project.path)
        #expect(badColour.exitCode == 2)
        #expect(badColour.stderr.hasPrefix("oneshot: error: --color takes auto, always or never, not 'sometimes'\n"))
    }

    @Test(arguments: [
        (["--color", "always"], [String: String](), true),
        (["--color", "never"], ["FORCE_COLOR": "1"], false),
        ([], ["FORCE_COLOR": "1"], true),
        ([], ["FORCE_COLOR": "1", "NO_COLOR": "1"], true),
        ([], ["FORCE_COLOR": "0"], false),
        ([], ["NO_COLOR": "1"], false),
        ([], [:], false),
        (["--color", "always"], ["NO_COLOR": "1"], true),
    ])
    func colourFollowsTheFlagThenForceColorThenNoColorThenTheTerminal(
        flags: [String], extra: [String: String], coloured: Bool
    ) async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true")
        let result = try await OneshotBinary.run(["F1"] + flags, in: project.path, environment: environment(extra))
        #expect(result.exitCode == 0)
        #expect(result.stdout.contains("\u{1B}[32m✓\u{1B}[0m a done") == coloured, "\(result.stdout)")
        #expect(result.stdout.contains("\u{1B}[") == coloured)
    }

    @Test func underGitHubActionsAFailureIsAnnotatedWithItsLogTailAndTheExitCodeIsAnOutput() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "ok", run: "true")
        try project.workstream(
            "F1", "bad", run: "echo 'first line'; echo '::warning::from the log'; echo '50%, done'; exit 3")
        try project.write("output", "before=1\n")
        let result = try await OneshotBinary.run(
            ["F1"], in: project.path,
            environment: environment(["GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_OUTPUT": project.file("output")]))
        #expect(result.exitCode == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let error = try #require(lines.firstIndex { $0.hasPrefix("::error ") }, "\(result.stdout)")
        #expect(
            lines[error].hasPrefix("::error file=features/F1/bad.md,title=oneshot F1%3A bad failed::bad failed (exit 3) after "))
        #expect(lines[error].hasSuffix("; log .sdp/logs/F1/bad.log"))
        #expect(lines[error + 1] == "::group::bad: last lines of .sdp/logs/F1/bad.log")
        let token = lines[error + 2].replacingOccurrences(of: "::stop-commands::", with: "")
        #expect(lines[error + 2].hasPrefix("::stop-commands::oneshot-"))
        let end = try #require(lines.firstIndex(of: "::\(token)::"))
        let tail = lines[(error + 3)..<end]
        #expect(tail.contains("first line"))
        // Workflow commands in the log are inert while the commands are stopped.
        #expect(tail.contains("::warning::from the log"))
        #expect(tail.contains("50%, done"))
        #expect(tail.count <= CIOutput.tailLines)
        #expect(lines[end + 1] == "::endgroup::")
        #expect(project.read("output") == "before=1\nexit-code=1\n")
    }

    @Test func withoutGitHubActionsThereAreNoWorkflowCommands() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "bad", run: "exit 3")
        let result = try await OneshotBinary.run(["F1"], in: project.path, environment: environment(["CI": "true"]))
        #expect(result.exitCode == 1)
        #expect(!result.stdout.contains("::"))
    }

    @Test func workflowCommandValuesAreEscapedAsTheRunnerUnescapesThem() {
        #expect(CIOutput.escapeData("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b")
        #expect(CIOutput.escapeProperty("F1: a, b%") == "F1%3A a%2C b%25")
    }

    @Test func theHeartbeatListsTheLongestRunningFirstAndAtMostTen() {
        let now = ContinuousClock.now
        var running: [String: ContinuousClock.Instant] = ["b": now - .seconds(12), "a": now - .seconds(60)]
        #expect(CIOutput.heartbeatLine(running, done: 3, total: 5, now: now) == "… running: a for 1m00s, b for 12.0s · 3/5 done")
        #expect(CIOutput.heartbeatLine([:], done: 3, total: 5, now: now) == "… nothing running · 3/5 done")
        for index in 0..<12 { running["w\(index)"] = now }
        #expect(CIOutput.heartbeatLine(running, done: 0, total: 14, now: now).contains(", 4 more · 0/14 done"))
    }
}
