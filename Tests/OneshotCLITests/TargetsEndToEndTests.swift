import Foundation
import Testing

/// Targets, `--rerun` and `--only`, as ninja's targets: only the selection runs, the checkpoint
/// and the history apply as usual — through the binary.
@Suite(.timeLimit(.minutes(2))) struct TargetsEndToEndTests {
    /// a → b → c, and d on its own; each appends its id to `ledger`.
    private func feature(_ project: TemporaryProject) throws {
        try project.workstream("F1", "a", run: "echo a >> ledger")
        try project.workstream("F1", "b", depends: ["a"], run: "echo b >> ledger")
        try project.workstream("F1", "c", depends: ["b"], run: "echo c >> ledger")
        try project.workstream("F1", "d", run: "echo d >> ledger")
    }

    /// Runs `arguments`, expecting `code`; returns the result and what ran, in order.
    private func run(_ project: TemporaryProject, _ arguments: [String], code: Int32 = 0) async throws
        -> (BinaryResult, [String])
    {
        try? FileManager.default.removeItem(atPath: project.file("ledger"))
        let result = try await OneshotBinary.run(arguments, in: project.path)
        #expect(result.exitCode == code, "\(arguments): stdout: \(result.stdout) stderr: \(result.stderr)")
        return (result, (project.read("ledger") ?? "").split(separator: "\n").map(String.init))
    }

    private func exists(_ project: TemporaryProject, _ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: project.file(relative))
    }

    @Test func targetsRunOnlyTheirClosureAndTheNextPlainRunDoesTheRest() async throws {
        let project = try TemporaryProject()
        try feature(project)
        let plan = try await OneshotBinary.run(["plan", "F1", "b"], in: project.path)
        #expect(plan.stdout.contains("selected: targets b and what they depend on: 2 of 4 workstreams (a, b)\n"))
        #expect(plan.stdout.contains("  a run would run 2: a, b\n  not selected, not done 2: c, d\n"))
        let (targets, ran) = try await run(project, ["F1", "b"])
        #expect(ran == ["a", "b"])
        #expect(targets.stdout.contains("the selected workstreams are done; F1 is not: the others did not run."))
        // Not a success of the feature: the checkpoint stays, no history claims F1 is up to date.
        #expect(exists(project, ".sdp/checkpoints/F1-checkpoint.json"))
        #expect(!exists(project, ".sdp/history/F1.json"))
        let (_, again) = try await run(project, ["F1", "b"])
        #expect(again == [], "the targets were done")
        let (_, rest) = try await run(project, ["F1"])
        #expect(rest.sorted() == ["c", "d"])
        #expect(exists(project, ".sdp/history/F1.json"))
        // Up to date: no empty "… 0:" lines.
        let donePlan = try await OneshotBinary.run(["plan", "F1", "b"], in: project.path)
        #expect(donePlan.stdout.hasSuffix("  a run would run nothing: the selected workstreams are done\n"), "\(donePlan.stdout)")
        #expect(!donePlan.stdout.contains(" 0:"), "\(donePlan.stdout)")
        let (upToDate, nothing) = try await run(project, ["F1", "c"])
        #expect(nothing == [])
        #expect(
            upToDate.stdout.contains("\nF1: c and what they depend on: up to date (3 of 4 workstreams; last run "),
            "stdout: \(upToDate.stdout)")
    }

    @Test func rerunRunsTheWorkstreamAgainWithEverythingDownstream() async throws {
        let project = try TemporaryProject()
        try feature(project)
        _ = try await run(project, ["F1"])
        let plan = try await OneshotBinary.run(["plan", "F1", "--rerun", "b"], in: project.path)
        #expect(plan.stdout.contains("    b: --rerun\n    c: downstream of --rerun b\n"), "stdout: \(plan.stdout)")
        let (result, ran) = try await run(project, ["F1", "--rerun", "b"])
        #expect(ran == ["b", "c"])
        #expect(result.stdout.contains("  b: --rerun\n"))
        let (_, nothing) = try await run(project, ["F1"])
        #expect(nothing == [], "the rerun left the feature up to date")
        // With a checkpoint too: b was completed there, it and c run again.
        try project.workstream("F1", "d", run: "echo d >> ledger; exit 1")
        _ = try await run(project, ["F1"], code: 1)
        let (_, fromCheckpoint) = try await run(project, ["F1", "--rerun", "a", "b"], code: 0)
        #expect(fromCheckpoint == ["a", "b"])
        #expect(exists(project, ".sdp/checkpoints/F1-checkpoint.json"), "d failed and c must run again: not done")
        // c is downstream of the rerun but outside the targets: no longer done, left for later.
        let after = try await OneshotBinary.run(["plan", "F1"], in: project.path)
        #expect(after.stdout.hasSuffix("  skip (preserved) 2: a, b\n  retry 1: d\n  pending 1: c\n"), "\(after.stdout)")
        let (_, rest) = try await run(project, ["F1"], code: 1)
        #expect(rest.sorted() == ["c", "d"])
    }

    @Test func onlyRefusesUnrecordedDependenciesUnlessAssumedDone() async throws {
        let project = try TemporaryProject()
        try feature(project)
        let (refused, none) = try await run(project, ["F1", "--only", "b"], code: 2)
        #expect(
            refused.stderr
                == "oneshot: error: --only b: its dependency a is not recorded done (in the checkpoint or the history); run it first, or give --assume-deps-done if it was done elsewhere\n"
        )
        #expect(none == [])
        #expect(!exists(project, ".sdp/checkpoints/F1-checkpoint.json"), "a refused run changed the checkpoint")
        let planRefused = try await OneshotBinary.run(["plan", "F1", "--only", "b"], in: project.path)
        #expect(planRefused.exitCode == 2)
        let (_, assumed) = try await run(project, ["F1", "--only", "b", "--assume-deps-done"])
        #expect(assumed == ["b"])
        // b is recorded done in the checkpoint now: c may run alone.
        let (_, alone) = try await run(project, ["F1", "--only", "c"])
        #expect(alone == ["c"])
        let (_, rest) = try await run(project, ["F1"])
        #expect(rest.sorted() == ["a", "d"])
    }

    @Test(arguments: [
        (["F1", "bb"], "target bb: F1 has no workstream 'bb' (did you mean b?)"),
        (["F1", "--rerun", "x"], "--rerun x: F1 has no workstream 'x'"),
        (["F1", "--only", "c", "zz"], "give targets or --only, not both"),
        (["F1", "--only", "dd"], "--only dd: F1 has no workstream 'dd' (did you mean d?)"),
        (["plan", "F1", "q"], "target q: F1 has no workstream 'q'"),
        (["F1", "--assume-deps-done"], "--assume-deps-done goes with --only"),
    ])
    func unknownWorkstreamsExitTwoNamingThem(arguments: [String], message: String) async throws {
        let project = try TemporaryProject()
        try feature(project)
        let (result, ran) = try await run(project, arguments, code: 2)
        #expect(result.stderr == "oneshot: error: \(message)\n")
        #expect(ran == [])
    }
}
