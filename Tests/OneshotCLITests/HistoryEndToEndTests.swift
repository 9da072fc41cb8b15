import Foundation
import OneshotCheckpoint
import OneshotWorkstreams
import Testing

/// The run remembers: `.sdp/history/<feature>.json` after a success, the feature up to date on
/// the next run, and only what changed (with what depends on it) run again — through the binary.
@Suite(.timeLimit(.minutes(2))) struct HistoryEndToEndTests {
    /// a → b → c, and d on its own; each appends its id to `ledger`; a declares `out-a`.
    private func feature(_ project: TemporaryProject) throws {
        try project.workstream("F1", "a", run: "echo a >> ledger; touch out-a", extra: "outputs: [out-a]\n")
        try project.workstream("F1", "b", depends: ["a"], run: "echo b >> ledger")
        try project.workstream("F1", "c", depends: ["b"], run: "echo c >> ledger")
        try project.workstream("F1", "d", run: "echo d >> ledger")
    }

    private func ran(_ project: TemporaryProject) -> [String] {
        (project.read("ledger") ?? "").split(separator: "\n").map(String.init).sorted()
    }

    private func succeeded(_ project: TemporaryProject, _ arguments: [String] = ["F1"]) async throws -> BinaryResult {
        try? FileManager.default.removeItem(atPath: project.file("ledger"))
        let result = try await OneshotBinary.run(arguments, in: project.path)
        #expect(result.exitCode == 0, "stderr: \(result.stderr)")
        return result
    }

    private func history(_ project: TemporaryProject) throws -> RunHistory {
        try JSONDecoder().decode(
            RunHistory.self, from: Data(contentsOf: URL(fileURLWithPath: project.file(".sdp/history/F1.json"))))
    }

    @Test func aSuccessfulRunLeavesAHistoryAndTheNextRunIsUpToDate() async throws {
        let project = try TemporaryProject()
        try feature(project)
        let first = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(first.exitCode == 0)
        let recorded = try history(project)
        #expect(recorded.featureID == "F1")
        #expect(recorded.workstreams.keys.sorted() == ["a", "b", "c", "d"])
        #expect(
            recorded.workstreams["b"]?.definition
                == DefinitionHash.of(Workstream(id: "b", dependencies: ["a"], command: "echo b >> ledger")))
        #expect(recorded.workstreams.values.allSatisfy { $0.attempts == 1 })
        #expect(try FileManager.default.contentsOfDirectory(atPath: project.file(".sdp/checkpoints")) == ["F1.lock"])
        let again = try await succeeded(project)
        #expect(again.stdout.hasPrefix("F1 is up to date: 4 workstreams done (last run "), "stdout: \(again.stdout)")
        #expect(again.stdout.contains(", $0.00)\n"))
        #expect(ran(project) == [], "an up-to-date feature ran something")
        #expect(try FileManager.default.contentsOfDirectory(atPath: project.file(".sdp/checkpoints")) == ["F1.lock"])
        let status = try await OneshotBinary.run(["status", "F1"], in: project.path)
        #expect(status.exitCode == 0)
        #expect(status.stdout.hasPrefix("F1: no checkpoint; the last run succeeded (.sdp/history/F1.json): last run "))
        #expect(status.stdout.contains("4 completed; runs: 1, attempts: 4\nup to date: a run would run nothing\n"))
        let json = try await OneshotBinary.run(["status", "F1", "--json"], in: project.path)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["counts"] as? [String: Int])?["completed"] == 4)
        #expect((object["last_run"] as? [String: Any])?["runs"] as? Int == 1)
    }

    @Test func aFeatureThatNeverRanHasNoStatus() async throws {
        let project = try TemporaryProject()
        try feature(project)
        let status = try await OneshotBinary.run(["status", "F1"], in: project.path)
        #expect(status.exitCode == 5)
    }

    @Test func aChangedWorkstreamRunsAgainWithEverythingDownstream() async throws {
        let project = try TemporaryProject()
        try feature(project)
        _ = try await OneshotBinary.run(["F1"], in: project.path)
        try project.workstream("F1", "b", depends: ["a"], run: "echo b >> ledger # changed")
        let plan = try await OneshotBinary.run(["plan", "F1"], in: project.path)
        #expect(plan.stdout.contains("  skip (up to date) 2: a, d\n"))
        #expect(plan.stdout.contains("    b: its definition (command, dependencies or outputs) changed since it succeeded\n"))
        #expect(plan.stdout.contains("    c: depends on b, which runs again\n"))
        let status = try await OneshotBinary.run(["status", "F1"], in: project.path)
        #expect(status.exitCode == 0)
        #expect(status.stdout.contains("changed since: a run would run again 2:\n  b: its definition"))
        let result = try await succeeded(project)
        #expect(result.stdout.contains("F1: 2 of 4 workstreams up to date (last run "))
        #expect(ran(project) == ["b", "c"])
        #expect(
            try history(project).workstreams["b"]?.definition
                == DefinitionHash.of(
                    Workstream(id: "b", dependencies: ["a"], command: "echo b >> ledger # changed")))
        let again = try await succeeded(project)
        #expect(again.stdout.hasPrefix("F1 is up to date"), "the re-run was not recorded")
    }

    @Test func aMissingOutputRunsItsWorkstreamAgainWithItsDependents() async throws {
        let project = try TemporaryProject()
        try feature(project)
        _ = try await OneshotBinary.run(["F1"], in: project.path)
        try FileManager.default.removeItem(atPath: project.file("out-a"))
        let result = try await succeeded(project)
        #expect(result.stdout.contains("  a: its output out-a is missing\n"))
        #expect(ran(project) == ["a", "b", "c"])
    }

    @Test func aNewWorkstreamRunsAloneAndForceRunsEverything() async throws {
        let project = try TemporaryProject()
        try feature(project)
        _ = try await OneshotBinary.run(["F1"], in: project.path)
        try project.workstream("F1", "e", depends: ["d"], run: "echo e >> ledger")
        let result = try await succeeded(project)
        #expect(result.stdout.contains("  e: new since the last run\n"))
        #expect(ran(project) == ["e"])
        _ = try await succeeded(project, ["F1", "--force"])
        #expect(ran(project) == ["a", "b", "c", "d", "e"])
    }

    @Test func anInterruptedPartialRunResumesAndFreshStillHonoursTheHistory() async throws {
        let project = try TemporaryProject()
        try feature(project)
        _ = try await OneshotBinary.run(["F1"], in: project.path)
        try project.workstream("F1", "c", depends: ["b"], run: "echo c >> ledger; read _ < go || :")
        try project.gate("go")
        try FileManager.default.removeItem(atPath: project.file("ledger"))
        let stopped = try await OneshotBinary.run(["F1", "--deadline", "2s", "--grace", "1s"], in: project.path)
        #expect(stopped.exitCode == 7)
        #expect(ran(project) == ["c"])
        try project.openGate("go")
        // The checkpoint, not the history, decides a resume: a, b and d stay done.
        let resumed = try await succeeded(project)
        #expect(
            resumed.stdout.contains("PRESERVED   3: a (") && resumed.stdout.contains("LOST        1: c (interrupted"),
            "stdout: \(resumed.stdout)")
        #expect(ran(project) == ["c"])
        try project.workstream("F1", "d", run: "echo d >> ledger # changed")
        _ = try await succeeded(project, ["F1", "--fresh"])
        #expect(ran(project) == ["d"], "--fresh discards a checkpoint, not the history")
    }

    @Test func theHistorysDurationsKeepLongWorkFromStartingTooCloseToTheDeadline() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "slow", run: "echo slow >> ledger")
        try project.workstream("F1", "quick", run: "echo quick >> ledger")
        _ = try await OneshotBinary.run(["F1"], in: project.path)
        // As if it had taken ten minutes.
        var recorded = try history(project)
        recorded.workstreams["slow"]?.durationMS = 600_000
        try recorded.write(to: project.file(".sdp/history/F1.json"))
        try project.workstream("F1", "slow", run: "echo slow >> ledger # changed")
        try project.workstream("F1", "quick", run: "echo quick >> ledger # changed")
        try FileManager.default.removeItem(atPath: project.file("ledger"))
        let stopped = try await OneshotBinary.run(["F1", "--deadline", "1m", "--json"], in: project.path)
        #expect(stopped.exitCode == 7)
        #expect(ran(project) == ["quick"])
        #expect(stopped.stderr.contains("not started because they would not have finished in time: slow (~10m00s)"))
        let validator = try JSONSchemaValidator(schemaAt: JSONEventsTests.schemaPath)
        let events = try stopped.stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        for event in events { #expect(validator.validate(event).isEmpty, "\(event)") }
        let finished = try #require(events.last)
        #expect(finished["status"] as? String == "deadline_reached")
        #expect(finished["exit_code"] as? Int == 7)
        #expect(finished["set_aside"] as? [String] == ["slow"])
    }

    @Test func anUnreadableHistoryIsReportedAndEverythingRuns() async throws {
        let project = try TemporaryProject()
        try feature(project)
        try project.write(".sdp/history/F1.json", "{not json")
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 0)
        #expect(result.stderr.contains("history .sdp/history/F1.json is not a valid history file; ignored"))
        #expect(ran(project) == ["a", "b", "c", "d"])
        #expect(try history(project).workstreams.count == 4, "a successful run writes it anew")
    }
}
