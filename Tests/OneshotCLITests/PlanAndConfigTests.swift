import Foundation
import Testing

@Suite(.timeLimit(.minutes(2))) struct PlanAndConfigTests {
    private func diamond(_ project: TemporaryProject) throws {
        try project.workstream("F1", "a", run: "touch ran-a")
        try project.workstream("F1", "b", depends: ["a"], run: "touch ran-b")
        try project.workstream("F1", "c", depends: ["a"], run: "touch ran-c")
        try project.workstream("F1", "d", depends: ["b", "c"], run: "touch ran-d")
    }

    @Test func planShowsWavesAndTheCriticalPathAndRunsNothing() async throws {
        let project = try TemporaryProject()
        try diamond(project)
        let result = try await OneshotBinary.run(["plan", "F1"], in: project.path)
        #expect(result.exitCode == 0)
        #expect(result.stdout.contains("  wave 1: a\n  wave 2: b, c\n  wave 3: d\n"))
        #expect(result.stdout.contains("critical path (3 workstreams): a → b → d"))
        #expect(result.stdout.contains("no checkpoint: a run starts from the beginning"))
        let dryRun = try await OneshotBinary.run(["F1", "--dry-run"], in: project.path)
        #expect(dryRun.stdout == result.stdout)
        #expect(project.read("ran-a") == nil)
        #expect(!FileManager.default.fileExists(atPath: project.file(".sdp")), "plan writes nothing")
    }

    @Test func afterAKillPlanAndStatusShowWhatAResumeWouldDo() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true")
        try project.workstream("F1", "b", depends: ["a"], run: "touch started; sleep 300")
        try project.workstream("F1", "c", depends: ["b"], run: "true")
        let running = try OneshotBinary.start(["F1"], in: project.path)
        #expect(await project.until { project.read("started") != nil })
        kill(running.pid, SIGKILL)
        _ = try await running.finish()
        let plan = try await OneshotBinary.run(["plan", "F1", "--json"], in: project.path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        let resume = try #require(object["resume"] as? [String: Any])
        #expect(resume["skip"] as? [String] == ["a"])
        #expect(resume["adopt"] as? [String] == ["b"], "b still runs: a resume waits for it")
        #expect(resume["pending"] as? [String] == ["c"])
        let dot = try await OneshotBinary.run(["plan", "F1", "--dot"], in: project.path)
        #expect(dot.stdout.contains("\"a\" [label=\"a\", fillcolor=palegreen"))
        #expect(dot.stdout.contains("\"b\" [label=\"b\", fillcolor=khaki"))
        let status = try await OneshotBinary.run(["status", "F1"], in: project.path)
        #expect(status.stdout.contains("b           uncertain"))
        // Stop the orphan this test made.
        let resumed = try await OneshotBinary.run(["F1", "--fresh", "--dry-run"], in: project.path)
        #expect(resumed.exitCode == 0)
        _ = try await OneshotBinary.run(["F1", "--grace", "0.2s", "--timeout", "1s"], in: project.path)
    }

    @Test func configFileSettingsApplyAndFlagsWin() async throws {
        let project = try TemporaryProject()
        try project.write(
            ".sdp/config.yml",
            """
            # project defaults
            jobs: 7
            exec: 'echo "{ws_id}" > out-{ws_id}'
            breaker:
              threshold: 2
              timeout: 30s
            """)
        let config = try await OneshotBinary.run(["config", "-j", "9"], in: project.path)
        #expect(config.exitCode == 0)
        #expect(config.stdout.contains("jobs                 9                     -j"))
        #expect(config.stdout.contains("exec                 echo \"{ws_id}\" > out-{ws_id}  .sdp/config.yml:3"))
        #expect(config.stdout.contains("breaker_threshold    2                     .sdp/config.yml:5"))
        #expect(config.stdout.contains("breaker_timeout      30.0s                 .sdp/config.yml:6"))
        #expect(config.stdout.contains("retries              0                     default"))
        try project.workstream("F1", "w", run: nil)
        let run = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(run.exitCode == 0, "\(run.stderr)")
        #expect(project.read("out-w") == "w\n")
        #expect(run.stdout.contains("-j 7"))
    }

    @Test(arguments: [
        ("jbos: 3\n", ".sdp/config.yml:1: unknown setting 'jbos'; expected one of jobs, exec"),
        ("jobs: many\n", ".sdp/config.yml:1: jobs takes a whole number from 1 to 100000, not 'many'"),
        ("jobs: 2\njobs: 3\n", ".sdp/config.yml:2: 'jobs' is already set on line 1"),
        ("\tjobs: 2\n", ".sdp/config.yml:1: tab used for indentation; use spaces"),
        ("  jobs: 2\n", ".sdp/config.yml:1: unexpected indented line; expected 'key: value' at the start of the line"),
        ("breaker:\n  threshold: 9\n", "breaker.threshold (9, .sdp/config.yml:2) cannot exceed the default breaker.window (5)"),
        ("exec: \"unclosed\n", ".sdp/config.yml:1: quoted value is never closed"),
        ("jobs:\n", ".sdp/config.yml:1: 'jobs' has no value"),
        ("breaker:\n  window:\n    deeper: 1\n", ".sdp/config.yml:2: 'breaker.window' takes a value, not nested settings"),
    ])
    func badConfigurationIsAUsageErrorNamingTheLine(text: String, message: String) async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true")
        try project.write(".sdp/config.yml", text)
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 2)
        #expect(result.stderr.hasPrefix("oneshot: error: \(message)"), "\(result.stderr)")
    }

    @Test func configListsAreReadAsTheWorkstreamFilesReadThem() async throws {
        let project = try TemporaryProject()
        try project.write(".sdp/config.yml", "slurm:\n  partition: debug\n  args:\n    - --time=5\n    - \"--qos=low\"\n")
        let config = try await OneshotBinary.run(["config"], in: project.path)
        #expect(config.exitCode == 0, "\(config.stderr)")
        #expect(config.stdout.contains("slurm_args           --time=5 --qos=low    .sdp/config.yml:3"), "\(config.stdout)")
        #expect(config.stdout.contains("slurm_partition      debug"))
    }

    @Test(arguments: ["plan", "status", "config"])
    func everySubcommandHasHelpWithExamples(subcommand: String) async throws {
        let project = try TemporaryProject()
        let help = try await OneshotBinary.run([subcommand, "--help"], in: project.path)
        #expect(help.exitCode == 0)
        #expect(help.stdout.hasPrefix("oneshot \(subcommand) —"))
        #expect(help.stdout.contains("EXAMPLE"))
        let viaHelp = try await OneshotBinary.run(["help", subcommand], in: project.path)
        #expect(viaHelp.stdout == help.stdout)
    }
}
