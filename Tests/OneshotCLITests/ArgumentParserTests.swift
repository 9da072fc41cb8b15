import OneshotCLI
import Testing

@Suite struct ArgumentParserTests {
    @Test func parsesARunWithEveryOption() throws {
        let invocation = try ArgumentParser.parse([
            "F052", "-j", "8", "--retries=2", "--timeout", "10m", "--exec", "agent {ws_id}",
            "--features", "docs/ws", "-C", "/tmp/p", "--grace", "2s",
        ])
        var expected = RunArguments()
        expected.featureID = "F052"
        expected.jobs = 8
        expected.retries = 2
        expected.timeout = .seconds(600)
        expected.execTemplate = "agent {ws_id}"
        expected.featuresFolder = "docs/ws"
        expected.projectRoot = "/tmp/p"
        expected.grace = .seconds(2)
        expected.sources = [
            "jobs": "-j", "retries": "--retries", "timeout": "--timeout", "exec": "--exec", "features": "--features",
            "grace": "--grace",
        ]
        #expect(invocation == .run(expected))
    }

    @Test func acceptsJoinedJobsAndTheRunSubcommand() throws {
        guard case .run(let run) = try ArgumentParser.parse(["run", "-j4", "F1"]) else {
            Issue.record("expected a run")
            return
        }
        #expect(run.jobs == 4)
        #expect(run.featureID == "F1")
    }

    @Test func takesTargetsAfterTheFeatureAndTheSelectionFlags() throws {
        guard
            case .run(let run) = try ArgumentParser.parse([
                "F1", "a", "--rerun", "b", "--only=c", "--rerun=d", "e", "--assume-deps-done",
            ])
        else {
            Issue.record("expected a run")
            return
        }
        #expect(run.featureID == "F1")
        #expect(run.selection.targets == ["a", "e"])
        #expect(run.selection.rerun == ["b", "d"])
        #expect(run.selection.only == ["c"])
        #expect(run.selection.assumeDepsDone)
        guard case .plan(let plan) = try ArgumentParser.parse(["plan", "F1", "x", "--only", "y"]) else {
            Issue.record("expected a plan")
            return
        }
        #expect(plan.selection.targets == ["x"])
        #expect(plan.selection.only == ["y"])
    }

    @Test(arguments: [
        (["--bogus", "F1"], "unknown option '--bogus'"),
        ([], "missing feature id, e.g. 'oneshot F052'"),
        (["F1", "--rerun"], "option --rerun needs a value"),
        (["plan", "F1", "--only"], "option --only needs a value"),
        (["F1", "-j"], "option -j needs a value"),
        (["F1", "-j", "0"], "-j takes a whole number from 1 to 100000, not '0'"),
        (["F1", "--timeout", "soon"], "--timeout takes a duration such as 90s, 10m or 1h, not 'soon'"),
        (["F/1"], "invalid feature id 'F/1': '/' is not allowed; use letters, digits, '-' and '_'"),
        ([".."], "invalid feature id '..': '.' is not allowed; use letters, digits, '-' and '_'"),
    ])
    func rejectsBadCommandLines(arguments: [String], message: String) {
        #expect(throws: UsageError(message)) { try ArgumentParser.parse(arguments) }
    }

    @Test func helpListsEveryExitCode() {
        // The meanings are wrapped to 80 columns: compare the words.
        let words = HelpText.text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for code in ExitCode.allCases {
            #expect(HelpText.text.contains("\n  \(code.rawValue) "))
            #expect(words.contains(code.meaning.split(whereSeparator: \.isWhitespace).joined(separator: " ")))
        }
    }
}
