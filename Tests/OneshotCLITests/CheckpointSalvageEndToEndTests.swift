import Foundation
import OneshotCheckpoint
import Testing

/// Issue #11 through the binary: what the writer produced, the next run keeps.
@Suite(.timeLimit(.minutes(2))) struct CheckpointSalvageEndToEndTests {
    /// `a` and `b` count their runs in `ran`; `gate` fails until the file `open` exists.
    private func project() throws -> TemporaryProject {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo a >> ran")
        try project.workstream("F1", "b", run: "echo b >> ran")
        try project.workstream("F1", "gate", depends: ["a"], run: "test -f open")
        return project
    }

    @Test func aTornLastJournalLineCostsNothingOverTwoRuns() async throws {
        let project = try project()
        let first = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(first.exitCode == 1)
        try project.write(".sdp/checkpoints/F1-journal.jsonl", "{\"seq\":99,\"at\":\"2026")  // a crash mid-append
        let second = try await OneshotBinary.run(["F1", "--json"], in: project.path)
        #expect(second.exitCode == 1, "\(second.stderr)")
        try project.write("open", "")
        let third = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(third.exitCode == 0, "\(third.stderr)")
        #expect(third.stdout.contains("Resuming: 2/3 done"))
        #expect(project.read("ran")?.split(separator: "\n").sorted() == ["a", "b"], "completed work ran again")
        #expect(!second.stderr.contains("warning") && !third.stderr.contains("warning"))
    }

    @Test func anAbsurdReportedCostIsAWarningNamingTheWorkstreamNotAPoisonPill() async throws {
        let project = try project()
        try project.workstream("F1", "agent", run: "echo '{\"cost_usd\": 1500000000}' > \"$ONESHOT_REPORT\"")
        let first = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(first.exitCode == 1)
        #expect(
            first.stderr.contains(
                "oneshot: warning: agent: cost_usd 1500000000 in $ONESHOT_REPORT is out of range (0 to 1000000); ignored (see .sdp/logs/F1/agent.log)"
            ), "\(first.stderr)")
        #expect(project.read(".sdp/logs/F1/agent.log")?.contains("=== oneshot: cost_usd 1500000000") == true)
        try project.write("open", "")
        let second = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(second.exitCode == 0, "\(second.stderr)")
        #expect(!second.stderr.contains("corrupt"), "\(second.stderr)")
        #expect(second.stdout.contains("Resuming: 3/4 done"))
        #expect(project.read("ran")?.split(separator: "\n").sorted() == ["a", "b"], "completed work ran again")
    }

    @Test func aCheckpointWithANegativeElapsedTimeResumes() async throws {
        let project = try project()
        _ = try await OneshotBinary.run(["F1"], in: project.path)
        // What the old writer wrote after a wall-clock step back of an hour.
        let path = ".sdp/checkpoints/F1-checkpoint.json"
        let text = try #require(project.read(path))
        let stepped = text.replacingOccurrences(
            of: #""elapsed_ms":[0-9]+"#, with: "\"elapsed_ms\":-3596508", options: .regularExpression)
        #expect(stepped != text)
        try project.write(path, stepped)
        try project.write("open", "")
        let second = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(second.exitCode == 0, "\(second.stderr)")
        #expect(second.stderr.contains("elapsed_ms is -3596508; expected 0 to 315360000000; using 0"), "\(second.stderr)")
        #expect(project.read("ran")?.split(separator: "\n").sorted() == ["a", "b"], "completed work ran again")
    }
}
