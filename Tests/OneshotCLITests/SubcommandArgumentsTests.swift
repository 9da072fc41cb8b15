import OneshotCLI
import Testing

/// The command lines of `list`, `log`, `clean`, `completions` and the run's output and failure
/// flags; the help names them all.
@Suite struct SubcommandArgumentsTests {
    @Test func runFlagsForFailuresAndOutput() throws {
        guard case .run(let run) = try ArgumentParser.parse(["F1", "--fail-fast", "-v"]) else {
            Issue.record("expected a run")
            return
        }
        #expect(run.failFast && run.verbosity == .verbose)
        guard case .run(let quiet) = try ArgumentParser.parse(["F1", "--fail-fast", "--keep-going", "-q"]) else { return }
        #expect(!quiet.failFast && quiet.verbosity == .quiet)
    }

    @Test func subcommandsParse() throws {
        var log = LogArguments()
        log.featureID = "F1"
        log.workstreamID = "a"
        log.attempt = 2
        log.tail = 5
        log.follow = true
        #expect(try ArgumentParser.parse(["log", "F1", "a", "--attempt=2", "-n", "5", "-f"]) == .log(log))
        var clean = CleanArguments()
        clean.featureID = "F1"
        clean.logs = true
        #expect(try ArgumentParser.parse(["clean", "--logs", "F1"]) == .clean(clean))
        var list = ListArguments()
        list.featureID = "F1"
        list.json = true
        #expect(try ArgumentParser.parse(["list", "F1", "--json"]) == .list(list))
        #expect(try ArgumentParser.parse(["completions", "fish"]) == .completions("fish"))
        #expect(try ArgumentParser.parse(["log", "--help"]) == .help(.log))
    }

    @Test(arguments: [
        (["log", "F1"], "missing workstream id, e.g. 'oneshot log F052 00-052-06'"),
        (["log", "F1", "a", "--attempt", "0"], "--attempt takes a whole number of at least 1, not '0'"),
        (["log", "F1", "../x"], "'../x' is not a workstream id (letters, digits, '.', '-' and '_')"),
        (["clean"], "missing feature id, e.g. 'oneshot clean F052'"),
        (["clean", "F1", "--all"], "unknown option '--all' for clean"),
        (["list", "F1", "F2"], "unexpected argument 'F2'; give at most one feature id"),
        (["list", "--json=yes"], "option --json takes no value ('yes') for list"),
        (["completions"], "missing shell (bash, zsh, fish), e.g. 'oneshot completions bash'"),
    ])
    func rejectsBadCommandLines(arguments: [String], message: String) {
        #expect(throws: UsageError(message)) { try ArgumentParser.parse(arguments) }
    }

    @Test func helpNamesTheSubcommandsAndFlags() {
        for word in [
            "oneshot list", "oneshot log", "oneshot clean", "oneshot completions", "--fail-fast", "--keep-going", "--verbose",
            "--quiet",
        ] {
            #expect(HelpText.text.contains(word), "\(word)")
        }
        for topic in [HelpTopic.list, .log, .clean, .completions] {
            #expect(HelpText.text(for: topic).hasPrefix("oneshot \(topic.rawValue) — "))
            #expect(HelpText.text(for: topic).contains("EXAMPLES"))
        }
    }
}
