import Foundation
import OneshotTestSupport
import Testing

/// The built `oneshot` binary on temporary projects: exit codes, output, logs, environment,
/// processes.
@Suite(.timeLimit(.minutes(2))) struct EndToEndTests {
    @Test func helpAndVersion() async throws {
        let project = try TemporaryProject()
        let help = try await OneshotBinary.run(["--help"], in: project.path)
        #expect(help.exitCode == 0)
        #expect(help.stdout.contains("EXIT CODES"))
        let version = try await OneshotBinary.run(["--version"], in: project.path)
        #expect(version.stdout.hasPrefix("oneshot "))
    }

    @Test func usageErrorsExit2WithAHint() async throws {
        let project = try TemporaryProject()
        let result = try await OneshotBinary.run(["F1", "--bogus"], in: project.path)
        #expect(result.exitCode == 2)
        #expect(result.stderr == "oneshot: error: unknown option '--bogus'\nhint: see 'oneshot --help'\n")
        #expect(result.stdout.isEmpty)
    }

    @Test(arguments: ["F/52", "..", "F 052", "F\u{1}52"])
    func unsafeFeatureIDsAreUsageErrors(id: String) async throws {
        let project = try TemporaryProject()
        let result = try await OneshotBinary.run([id], in: project.path)
        #expect(result.exitCode == 2)
        #expect(result.stderr.hasPrefix("oneshot: error: invalid feature id"))
    }

    @Test func theBundledExampleRunsWithWorkstreamsOverlapping() async throws {
        let project = try TemporaryProject()
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("features/F052").path
        try FileManager.default.createDirectory(atPath: project.file("features"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source, toPath: project.file("features/F052"))
        let result = try await OneshotBinary.run(["F052"], in: project.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
        #expect(result.stdout.contains("succeeded: 14 succeeded"))
        var running = 0
        var peak = 0
        for line in result.stdout.split(separator: "\n") {
            if line.contains("▶") { running += 1 }
            if line.contains("✓") { running -= 1 }
            peak = max(peak, running)
        }
        #expect(peak == 3, "the example should keep three workstreams running at once")
        #expect(project.read(".sdp/logs/F052/00-052-14.log")?.contains("checkpoint: temp file") == true)
    }

    @Test func aCycleExits2AndNamesIt() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", depends: ["c"], run: "true")
        try project.workstream("F1", "b", depends: ["a"], run: "true")
        try project.workstream("F1", "c", depends: ["b"], run: "true")
        try project.workstream("F1", "d", run: "touch ran-d")
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 2)
        #expect(result.stderr.contains("dependency cycle: a → c → b → a"))
        #expect(result.stderr.contains("features/F1/a.md"))
        #expect(project.read("ran-d") == nil, "nothing may run when the graph is invalid")
    }

    @Test func aCycleThroughTwoThousandWorkstreamsIsOneShortLine() async throws {
        let project = try TemporaryProject()
        for index in 0..<2000 {
            try project.workstream("F1", "w\(index)", depends: ["w\((index + 1999) % 2000)"], run: "true")
        }
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 2)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(lines.count) lines")
        #expect(result.stderr.utf8.count < 1000, "\(result.stderr.utf8.count) bytes: \(result.stderr.prefix(300))")
        let named = ["w0", "w1999", "w1998", "w1997", "w1996", "w1995", "w1994", "w1993"]
        #expect(
            result.stderr.contains(
                "dependency cycle: \(named.joined(separator: " → ")) → … and 1992 more → w0 (each depends on the next)"),
            "\(result.stderr)")
        for id in named { #expect(result.stderr.contains("features/F1/\(id).md"), "the file of \(id)") }
        #expect(!result.stderr.contains("features/F1/w1992.md"), "only the named ones' files")
    }

    @Test func badFilesExit2NamingFileAndLine() async throws {
        let project = try TemporaryProject()
        try project.write("features/F1/a.md", "---\nws_id: a\ntimeout: soon\nrun: true\n---\n")
        try project.write("features/F1/b.md", "---\nws_id: b\ndepends_on: [zz]\nrun: true\n---\n")
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 2)
        #expect(
            result.stderr == """
                oneshot: error: features/F1/a.md:3: invalid timeout 'soon'; expected a duration such as 90s, 10m or 1h

                """)
        try project.write("features/F1/a.md", "---\nws_id: a\nrun: true\n---\n")
        let second = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(
            second.stderr
                == "oneshot: error: features/F1/b.md:2: workstream b depends on zz, which is not a workstream of this feature\n")
    }

    @Test func missingFeatureAndMissingCommandsExit2() async throws {
        let project = try TemporaryProject()
        let missing = try await OneshotBinary.run(["F9"], in: project.path)
        #expect(missing.exitCode == 2)
        #expect(missing.stderr == "oneshot: error: no such feature F9: folder features/F9 does not exist\n")
        try project.workstream("F1", "a", run: nil)
        try project.workstream("F1", "b", run: nil)
        try project.workstream("F1", "c", run: "true")
        let noCommand = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(noCommand.exitCode == 2)
        #expect(noCommand.stderr.contains("features/F1/a.md:2: workstream a has no 'run:' command"))
        #expect(noCommand.stderr.contains("features/F1/b.md:2: workstream b has no 'run:' command"))
        let templated = try await OneshotBinary.run(
            ["F1", "--exec", "echo built {ws_id} of {feature_id} > out-{ws_id}"], in: project.path)
        #expect(templated.exitCode == 0, "\(templated.stderr)")
        #expect(project.read("out-a") == "built a of F1\n")
    }

    @Test func aFailureRunsEveryIndependentBranchSkipsItsDependentsAndExits1() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo preparing; echo boom >&2; exit 3")
        try project.workstream("F1", "b", depends: ["a"], run: "touch ran-b")
        try project.workstream("F1", "c", depends: ["b"], run: "touch ran-c")
        try project.workstream("F1", "d", run: "touch ran-d")
        try project.workstream("F1", "e", depends: ["d"], run: "touch ran-e")
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("✗ a failed (exit 3)"))
        #expect(result.stdout.contains("log .sdp/logs/F1/a.log"))
        #expect(result.stdout.contains("│ boom"))
        #expect(result.stdout.contains("⊘ b skipped: blocked by a"))
        #expect(result.stdout.contains("⊘ c skipped: blocked by a"))
        #expect(project.read("ran-b") == nil && project.read("ran-c") == nil)
        #expect(project.read("ran-d") != nil && project.read("ran-e") != nil)
        let log = try #require(project.read(".sdp/logs/F1/a.log"))
        #expect(log.contains("=== a attempt 1"))
        #expect(log.contains("preparing\nboom\n"))
        #expect(log.contains("ended: exit 3"))
    }

    @Test func retriesAreLoggedAsAttempts() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "flaky", run: "test \"$ONESHOT_ATTEMPT\" -ge 2", extra: "retries: 1\n")
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 0, "\(result.stdout)")
        let log = try #require(project.read(".sdp/logs/F1/flaky.log"))
        #expect(log.contains("=== flaky attempt 1") && log.contains("=== flaky attempt 2"))
    }

    @Test func commandsSeeTheirEnvironmentAndRunInTheProjectRoot() async throws {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "w-1",
            run: "echo \"$ONESHOT_WS_ID $ONESHOT_FEATURE_ID $ONESHOT_WS_FILE $ONESHOT_ATTEMPT\" > env.txt; pwd > pwd.txt"
        )
        let elsewhere = try TemporaryProject()
        let result = try await OneshotBinary.run(["-C", project.path, "F1"], in: elsewhere.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
        let pwd = try #require(project.read("pwd.txt"))
        #expect(pwd.hasSuffix((project.path as NSString).lastPathComponent + "\n"))
        #expect(project.read("env.txt") == "w-1 F1 \(pwd.dropLast())/features/F1/w-1.md 1\n")
    }

    @Test func aTimeoutKillsTheWholeProcessGroupEvenIfItIgnoresSIGTERM() async throws {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "stuck",
            run: "trap '' TERM; sleep 300 & echo $! > bg.pid; wait",
            extra: "timeout: 1s\n"
        )
        let result = try await OneshotBinary.run(["F1", "--grace", "0.3s"], in: project.path)
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("✗ stuck failed (timed out)"))
        let pid = try #require(project.read("bg.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        #expect(await processEnds(pid), "background child \(pid) outlived its timed-out workstream")
    }

    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func aSignalStopsTheRunAndItsChildren(signal: Int32, expected: Int32) async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "long", run: "sleep 300 & echo $! > bg.pid; wait")
        try project.workstream("F1", "after", depends: ["long"], run: "touch ran-after")
        let running = try OneshotBinary.start(["F1"], in: project.path)
        #expect(await project.until { project.read("bg.pid")?.hasSuffix("\n") == true })
        kill(running.pid, signal)
        let result = try await running.finish()
        #expect(result.exitCode == expected)
        #expect(result.stdout.contains("■ long interrupted"))
        #expect(project.read("ran-after") == nil)
        let pid = try #require(project.read("bg.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        #expect(await processEnds(pid), "child \(pid) outlived oneshot")
    }
}
