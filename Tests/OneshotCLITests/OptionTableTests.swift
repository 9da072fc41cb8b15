import Testing

@testable import OneshotCLI

/// One option table read by one scanner for every subcommand: the same rules (`--flag value`,
/// `--flag=value`, `-xVALUE`, `-C` everywhere, unknown options with a suggestion, missing and
/// unexpected values) hold for all of them, and each parser takes every option the table gives it.
@Suite struct OptionTableTests {
    /// The positionals a subcommand needs to parse.
    private static func base(_ topic: HelpTopic) -> [String] {
        switch topic {
        case .run: ["F1"]
        case .config: ["config"]
        case .log: ["log", "F1", "a"]
        case .export: ["export", "F1", "--format", "github-actions"]
        case .completions: ["completions", "bash"]
        default: [topic.rawValue, "F1"]
        }
    }

    /// A value each option that takes one accepts.
    private static let sample: [String: String] = [
        "--jobs": "4", "--retries": "2", "--timeout": "10m", "--grace": "2s", "--checkpoint-grace": "30s",
        "--deadline": "50m", "--color": "always", "--heartbeat": "off", "--breaker-threshold": "2",
        "--breaker-window": "5", "--breaker-timeout": "30s", "--breaker-max-backoff": "5m", "--breaker-max-opens": "3",
        "--executor": "local", "--poll-interval": "5s", "--slurm-args": "--time=10", "--attempt": "2", "--tail": "5",
        "--format": "gitlab-ci",
    ]

    @Test(arguments: HelpTopic.allCases)
    func everyOptionIsTakenAsFlagSpaceValueAndAsFlagEqualsValue(topic: HelpTopic) throws {
        for option in CommandOption.accepted(by: topic) where option != .help && option != .version {
            let value = Self.sample[option.name] ?? "x"
            for name in option.names where option.takesValue {
                let spaced = try ArgumentParser.parse(Self.base(topic) + [name, value])
                let joined = name.hasPrefix("--") ? "\(name)=\(value)" : "\(name)\(value)"
                #expect(try ArgumentParser.parse(Self.base(topic) + [joined]) == spaced, "\(topic) \(joined)")
                #expect(spaced != (try ArgumentParser.parse(Self.base(topic))), "\(topic) \(name) changes nothing")
            }
            for name in option.names where !option.takesValue {
                _ = try ArgumentParser.parse(Self.base(topic) + [name])
                if name.hasPrefix("--") {
                    #expect(
                        throws: UsageError(.unexpectedValue(option: name, value: "yes", subcommand: topic)),
                        "\(topic) \(name)"
                    ) { try ArgumentParser.parse(Self.base(topic) + ["\(name)=yes"]) }
                }
            }
        }
    }

    @Test(arguments: HelpTopic.allCases.filter { $0 != .completions })
    func everySubcommandTakesTheProjectRootInEveryForm(topic: HelpTopic) throws {
        let forms = [["-C", "/p"], ["-C/p"], ["--directory", "/p"], ["--directory=/p"]]
        for form in forms {
            let invocation = try ArgumentParser.parse(Self.base(topic) + form)
            #expect(Self.projectRoot(invocation) == "/p", "\(topic) \(form)")
        }
        #expect(throws: UsageError(.missingValue(option: "-C"))) { try ArgumentParser.parse(Self.base(topic) + ["-C"]) }
    }

    @Test(arguments: HelpTopic.allCases)
    func everySubcommandRejectsAnUnknownOptionWithASuggestion(topic: HelpTopic) throws {
        let (typo, meant) = topic == .completions ? ("--hepl", "--help") : ("--directori", "--directory")
        let error = try #require(throws: UsageError.self) { try ArgumentParser.parse(Self.base(topic) + [typo]) }
        #expect(error.kind == .unknownOption(typo, subcommand: topic, suggestion: meant))
        let place = topic == .run ? "" : " for \(topic.rawValue)"
        #expect(error.message == "unknown option '\(typo)'\(place); did you mean '\(meant)'?")
        #expect(error.exitCode == .invalidInput)
    }

    @Test(arguments: [
        (["clean", "F1", "--log"], "unknown option '--log' for clean; did you mean '--logs'?"),
        (["list", "--id"], "unknown option '--id' for list; did you mean '--ids'?"),
        (["F1", "--retrys", "2"], "unknown option '--retrys'; did you mean '--retries'?"),
        (["config", "--jobz", "2"], "unknown option '--jobz' for config; did you mean '--jobs'?"),
        (["plan", "F1", "--jsn"], "unknown option '--jsn' for plan; did you mean '--json'?"),
        (["status", "F1", "--zzzzzz"], "unknown option '--zzzzzz' for status"),
        (["F1", "--fresh=yes"], "option --fresh takes no value ('yes') for run"),
        (["log", "F1", "a", "-n"], "option -n needs a value"),
        (["log", "F1", "a", "-nx"], "-n takes a whole number of at least 0, not 'x'"),
        (["config", "F1"], "unexpected argument 'F1'; config takes options only, e.g. 'oneshot config -j 8'"),
        (["plan", "F1", "--json", "--dot"], "--json and --dot cannot be used together"),
        (["export", "F1", "F2", "--format", "gitlab-ci"], "unexpected argument 'F2'; give one feature id"),
        (["completions", "bash", "zsh"], "unexpected argument 'zsh'; give one shell"),
        (["F1", "--trace="], "option --trace needs a value"),
        (["F1", "-C", ""], "option -C needs a value"),
        (["F1", "--x\ny"], "unknown option '--x\\u{a}y'"),
        (["F1", "-j", "3\nx"], "-j takes a whole number from 1 to 100000, not '3\\u{a}x'"),
    ])
    func badCommandLinesAreStructuredErrors(arguments: [String], message: String) throws {
        let error = try #require(throws: UsageError.self) { try ArgumentParser.parse(arguments) }
        #expect(error.message == message)
    }

    @Test(arguments: HelpTopic.allCases)
    func everyOptionRefusesAnEmptyValue(topic: HelpTopic) throws {
        for option in CommandOption.accepted(by: topic) where option.takesValue {
            for name in option.names {
                let joined = name.hasPrefix("--") ? "\(name)=" : nil
                for form in [[name, ""], joined.map { [$0] }].compactMap({ $0 }) {
                    #expect(throws: UsageError(.missingValue(option: name)), "\(topic) \(form)") {
                        try ArgumentParser.parse(Self.base(topic) + form)
                    }
                }
            }
        }
    }

    @Test func errorsCarryTheirKindAndEqualByTheLinesTheyPrint() throws {
        let error = try #require(throws: UsageError.self) { try ArgumentParser.parse(["F1", "-j", "0"]) }
        #expect(error.kind == .invalidValue(source: "-j", value: "0", expected: "a whole number from 1 to 100000"))
        #expect(error == UsageError("-j takes a whole number from 1 to 100000, not '0'"))
        let several = UsageError("first", more: [UsageError(.missingValue(option: "--tail"))])
        #expect(several.messages == ["first", "option --tail needs a value"])
        #expect(several.hint == "see 'oneshot --help'")
    }

    @Test func aWorkstreamCalledVersionIsATargetAndOnlyTheFirstWordIsASubcommand() throws {
        guard case .run(let run) = try ArgumentParser.parse(["F1", "version"]) else {
            Issue.record("expected a run")
            return
        }
        #expect(run.selection.targets == ["version"])
        #expect(try ArgumentParser.parse(["version"]) == .version)
        #expect(try ArgumentParser.parse(["F1", "-V"]) == .version)
    }

    @Test func configPassesRunOptionsOnAsTheRunReadsThem() throws {
        var config = ConfigArguments()
        config.runArguments = ["-j", "8", "--no-breaker", "--exec", "-x"]
        config.json = true
        #expect(try ArgumentParser.parse(["config", "-j8", "--json", "--no-breaker", "--exec=-x"]) == .config(config))
    }

    private static func projectRoot(_ invocation: Invocation) -> String? {
        switch invocation {
        case .run(let run): run.projectRoot
        case .status(let status): status.projectRoot
        case .plan(let plan): plan.projectRoot
        case .config(let config): config.projectRoot
        case .picture(let picture): picture.projectRoot
        case .export(let export): export.projectRoot
        case .list(let list): list.projectRoot
        case .log(let log): log.projectRoot
        case .clean(let clean): clean.projectRoot
        case .help, .version, .completions: nil
        }
    }
}
