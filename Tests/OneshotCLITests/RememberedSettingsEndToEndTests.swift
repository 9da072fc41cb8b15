import Foundation
import Testing

/// The run remembers its settings: the checkpoint records them, a resume without flags uses them
/// and says so, a flag on the resume overrides one and is recorded — through the binary.
@Suite(.timeLimit(.minutes(2))) struct RememberedSettingsEndToEndTests {
    /// The `--exec` of these tests: a workstream succeeds once its `<id>.ok` file exists.
    private let exec = "test -f {ws_id}.ok && echo {ws_id} >> ledger"

    /// a → b → c, none with a `run:` of its own: without `--exec` nothing can run.
    private func feature(_ project: TemporaryProject) throws {
        try project.workstream("F1", "a", run: nil)
        try project.workstream("F1", "b", depends: ["a"], run: nil)
        try project.workstream("F1", "c", depends: ["b"], run: nil)
        try project.write("a.ok", "")
    }

    private func settings(_ project: TemporaryProject) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: project.file(".sdp/checkpoints/F1-checkpoint.json")))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        return try #require(object["settings"] as? [String: Any])
    }

    private func ran(_ project: TemporaryProject) -> [String] {
        (project.read("ledger") ?? "").split(separator: "\n").map(String.init)
    }

    @Test func aResumeWithoutFlagsUsesTheRecordedSettingsAndSaysSo() async throws {
        let project = try TemporaryProject()
        try feature(project)
        let first = try await OneshotBinary.run(["F1", "--exec", exec, "-j", "2", "--retries", "0"], in: project.path)
        #expect(first.exitCode == 1, "b fails without b.ok; stderr: \(first.stderr)")
        let recorded = try settings(project)
        #expect(recorded["exec"] as? String == exec)
        #expect(recorded["jobs"] as? String == "2")
        #expect(recorded["timeout"] is NSNull)
        #expect(recorded["breaker_threshold"] as? String == "3")
        try project.write("b.ok", "")
        try project.write("c.ok", "")
        // Without the recorded --exec this would be refused: b and c have no 'run:'.
        let resumed = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(resumed.exitCode == 0, "stderr: \(resumed.stderr)")
        #expect(
            resumed.stdout.hasPrefix(
                "resuming with the settings of the interrupted run: --exec 'test -f {ws_id}.ok && echo {ws_id} >> ledger' -j 2\n"
            ), "stdout: \(resumed.stdout)")
        #expect(resumed.stdout.contains("oneshot F1: 3 workstreams, -j 2, 1 already done\n"))
        #expect(ran(project) == ["a", "b", "c"])
    }

    @Test func aFlagOnTheResumeWinsAndIsRecordedAndTheRecordBeatsTheConfigFile() async throws {
        let project = try TemporaryProject()
        try feature(project)
        let first = try await OneshotBinary.run(
            ["F1", "--exec", exec, "-j", "2", "--timeout", "90s", "--deadline", "50m"], in: project.path)
        #expect(first.exitCode == 1)
        // The file changed since: the interrupted run's -j 2 still wins over it.
        try project.write(".sdp/config.yml", "jobs: 5\nretries: 0\n")
        let override = try await OneshotBinary.run(
            ["F1", "--timeout", "2m"], in: project.path, environment: ["ONESHOT_DEADLINE": "40m"])
        #expect(override.exitCode == 1)
        #expect(
            override.stdout.hasPrefix("resuming with the settings of the interrupted run: --exec '\(exec)' -j 2\n"),
            "stdout: \(override.stdout)")
        #expect(override.stdout.contains("oneshot F1: 3 workstreams, -j 2, 1 already done\n"))
        let recorded = try settings(project)
        #expect(recorded["timeout"] as? String == "2m")
        #expect(recorded["deadline"] as? String == "40m")
        #expect(recorded["jobs"] as? String == "2")
        let again = try await OneshotBinary.run(["F1", "-j", "1"], in: project.path)
        #expect(
            again.stdout.hasPrefix(
                "resuming with the settings of the interrupted run: --exec '\(exec)' --timeout 2m --deadline 40m\n"),
            "stdout: \(again.stdout)")
        #expect(try settings(project)["jobs"] as? String == "1")
        // --fresh starts from the files and flags alone.
        let fresh = try await OneshotBinary.run(["F1", "--fresh", "--exec", exec], in: project.path)
        #expect(!fresh.stdout.contains("resuming with the settings"))
        #expect(fresh.stdout.contains("oneshot F1: 3 workstreams, -j 5\n"), "stdout: \(fresh.stdout)")
    }

    @Test func planAndResumeReadTheFilesTheInterruptedRunRead() async throws {
        let project = try TemporaryProject()
        try project.write("docs/ws/a.md", "---\nws_id: a\nfeature_id: F1\nrun: test -f a.ok\n---\n")
        let first = try await OneshotBinary.run(["F1", "--features", "docs/ws"], in: project.path)
        #expect(first.exitCode == 1, "stderr: \(first.stderr)")
        let plan = try await OneshotBinary.run(["plan", "F1"], in: project.path)
        #expect(plan.exitCode == 0, "features/F1 does not exist; stderr: \(plan.stderr)")
        #expect(plan.stdout.contains("  retry 1: a\n"), "stdout: \(plan.stdout)")
        try project.write("a.ok", "")
        let resumed = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(resumed.exitCode == 0, "stderr: \(resumed.stderr)")
        #expect(resumed.stdout.hasPrefix("resuming with the settings of the interrupted run: --features docs/ws\n"))
    }

    @Test func anInvalidRecordedSettingNamesTheCheckpointAndAFlagGetsPastIt() async throws {
        let project = try TemporaryProject()
        try feature(project)
        _ = try await OneshotBinary.run(["F1", "--exec", exec], in: project.path)
        let path = project.file(".sdp/checkpoints/F1-checkpoint.json")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        try Data(text.replacingOccurrences(of: #""jobs":"3""#, with: #""jobs":"many""#).utf8)
            .write(to: URL(fileURLWithPath: path))
        let refused = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(refused.exitCode == 2)
        #expect(
            refused.stderr.hasPrefix(
                "oneshot: error: .sdp/checkpoints/F1-checkpoint.json: settings.jobs takes a whole number from 1 to 100000, not 'many'\n"
            ), "stderr: \(refused.stderr)")
        let overridden = try await OneshotBinary.run(["F1", "-j", "1"], in: project.path)
        #expect(overridden.exitCode == 1, "stderr: \(overridden.stderr)")
    }

    @Test func aPassedDeadlineTimeAndAnUnknownSettingAreNotUsedAndSaidSo() async throws {
        let project = try TemporaryProject()
        try feature(project)
        _ = try await OneshotBinary.run(["F1", "--exec", exec], in: project.path)
        let path = project.file(".sdp/checkpoints/F1-checkpoint.json")
        var object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var recorded = try #require(object["settings"] as? [String: Any])
        recorded["deadline"] = "2020-01-01T00:00:00Z"
        recorded["from_a_later_oneshot"] = "1"
        object["settings"] = recorded
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        try project.write("b.ok", "")
        try project.write("c.ok", "")
        let resumed = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(resumed.exitCode == 0, "a passed deadline must not stop the resume at once; stderr: \(resumed.stderr)")
        #expect(
            resumed.stderr.contains(
                "oneshot: warning: the interrupted run's deadline 2020-01-01T00:00:00Z has passed; this run has none unless given (--deadline)\n"
            ), "stderr: \(resumed.stderr)")
        #expect(
            resumed.stderr.contains(
                "oneshot: warning: .sdp/checkpoints/F1-checkpoint.json: recorded setting 'from_a_later_oneshot' is unknown to this oneshot; ignored\n"
            ))
    }

    /// An absolute `--features` inside the project is recorded relative to it: a resume of the
    /// project copied to another path (a new CI runner) reads the copy's files, not the old ones.
    @Test func anAbsoluteFeaturesFolderInsideTheProjectIsRecordedRelativeToIt() async throws {
        let old = try TemporaryProject()
        try old.write("docs/ws/a.md", "---\nws_id: a\nfeature_id: F1\nrun: echo a >> ledger\n---\n")
        try old.write("docs/ws/b.md", "---\nws_id: b\nfeature_id: F1\ndepends_on: [a]\nrun: exit 1\n---\n")
        let first = try await OneshotBinary.run(["F1", "--features", old.file("docs/ws")], in: old.path)
        #expect(first.exitCode == 1, "b fails; stderr: \(first.stderr)")
        #expect(try settings(old)["features"] as? String == "docs/ws")
        let new = try TemporaryProject()
        for item in ["docs", ".sdp"] {
            try FileManager.default.copyItem(atPath: old.file(item), toPath: new.file(item))
        }
        // Fixed in the copy only: the old path still holds the failing command.
        try new.write("docs/ws/b.md", "---\nws_id: b\nfeature_id: F1\ndepends_on: [a]\nrun: echo b >> ledger\n---\n")
        let resumed = try await OneshotBinary.run(["F1"], in: new.path)
        #expect(resumed.exitCode == 0, "stdout: \(resumed.stdout) stderr: \(resumed.stderr)")
        // a, done in the old folder, does not run again; b does, from the copy's file.
        #expect(ran(new) == ["b"])
    }
}
