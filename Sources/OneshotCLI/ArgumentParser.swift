import OneshotWorkstreams

/// Parses `oneshot`'s arguments (without the program name).
///
/// Every subcommand reads its arguments through one ``OptionScanner`` against one option table
/// (``CommandOption/all``); the subcommands' parsers only say where each option's value goes.
public enum ArgumentParser {
    /// Parses `arguments`.
    ///
    /// - Throws: ``UsageError`` naming the unknown option, the missing or bad value.
    public static func parse(_ arguments: [String]) throws(UsageError) -> Invocation {
        let rest = Array(arguments.dropFirst())
        switch arguments.first {
        case "help": return try parseHelp(rest)
        case "version": return .version
        case "config": return try parseConfig(rest)
        case "status": return try parseStatus(rest)
        case "plan": return try parsePlan(rest)
        case "trace": return try PictureArguments.parse(.trace, rest)
        case "report": return try PictureArguments.parse(.report, rest)
        case "export": return try ExportArguments.parse(rest)
        case "list": return try ListArguments.parse(rest)
        case "log": return try LogArguments.parse(rest)
        case "clean": return try CleanArguments.parse(rest)
        case "completions": return try Completions.parse(rest)
        default: return try parseRun(arguments)
        }
    }

    /// `oneshot [run] F052 [ID…] [options]`. The breaker's settings are checked together by
    /// ``RunArguments/validate()``, once `.sdp/config.yml` is merged: a flag alone may be valid
    /// only beside the file's values.
    private static func parseRun(_ arguments: [String]) throws(UsageError) -> Invocation {
        let bindings = CommandOption.accepted(by: .run).map { option in
            OptionBinding<RunArguments>(option: option) { run, name, value throws(UsageError) in
                try run.take(option, name: name, value: value)
            }
        }
        return try OptionScanner.parse(arguments, for: .run, into: RunArguments(), bindings) {
            run, positional throws(UsageError) in
            let positional = positional.first == "run" ? Array(positional.dropFirst()) : positional
            run.featureID = try featureID(from: Array(positional.prefix(1)), example: "oneshot F052")
            run.selection.targets = Array(positional.dropFirst())
            return .run(run)
        }
    }

    /// `oneshot help [topic]`: a topic that does not exist is a usage error, not the general help.
    private static func parseHelp(_ arguments: [String]) throws(UsageError) -> Invocation {
        guard let name = arguments.first else { return .help(.run) }
        guard let topic = HelpTopic(rawValue: name) else {
            let topics = HelpTopic.allCases.map(\.rawValue).joined(separator: ", ")
            throw UsageError("no help topic '\(name)'; topics: \(topics)")
        }
        guard arguments.count == 1 else { throw UsageError(.unexpectedArgument(arguments[1], expected: "give one help topic")) }
        return .help(topic)
    }

    private static func parseStatus(_ arguments: [String]) throws(UsageError) -> Invocation {
        let bindings: [OptionBinding<StatusArguments>] = [.flag(.json, \.json), .text(.directory, \.projectRoot)]
        return try OptionScanner.parse(arguments, for: .status, into: .init(), bindings) {
            status, positional throws(UsageError) in
            status.featureID = try featureID(from: positional, example: "oneshot status F052")
            return .status(status)
        }
    }

    /// `oneshot config [options]`: any run option may be given, to see how it combines with the
    /// file; they are parsed again as a run's.
    private static func parseConfig(_ arguments: [String]) throws(UsageError) -> Invocation {
        let passed = CommandOption.accepted(by: .run).filter { !CommandOption.configOwn.contains($0) }.map { option in
            OptionBinding<ConfigArguments>(option: option) { config, name, value in
                config.runArguments += [name] + (value.map { [$0] } ?? [])
            }
        }
        let bindings: [OptionBinding<ConfigArguments>] = [.flag(.json, \.json), .text(.directory, \.projectRoot)] + passed
        return try OptionScanner.parse(arguments, for: .config, into: .init(), bindings) {
            config, positional throws(UsageError) in
            if let extra = positional.first {
                throw UsageError(.unexpectedArgument(extra, expected: "config takes options only, e.g. 'oneshot config -j 8'"))
            }
            return .config(config)
        }
    }

    private static func parsePlan(_ arguments: [String]) throws(UsageError) -> Invocation {
        let bindings: [OptionBinding<PlanArguments>] =
            [
                .flag(.json, \.json), .flag(.dot, \.dot), .text(.features, \.featuresFolder), .text(.exec, \.execTemplate),
                .text(.directory, \.projectRoot),
            ] + OptionBinding.selection(\.selection)
        return try OptionScanner.parse(arguments, for: .plan, into: .init(), bindings) { plan, positional throws(UsageError) in
            if plan.json && plan.dot { throw UsageError(.conflictingOptions("--json", "--dot")) }
            plan.featureID = try featureID(from: Array(positional.prefix(1)), example: "oneshot plan F052")
            plan.selection.targets = Array(positional.dropFirst())
            return .plan(plan)
        }
    }

    /// The one feature id of `positional`.
    ///
    /// - Throws: ``UsageError`` when there is none, more than one, or it is not a valid id.
    static func featureID(from positional: [String], example: String) throws(UsageError) -> String {
        guard let feature = positional.first else { throw UsageError(.missingArgument("feature id", example: example)) }
        guard positional.count == 1 else {
            throw UsageError(.unexpectedArgument(positional[1], expected: "give one feature id"))
        }
        return try OptionScanner.featureID(feature)
    }
}
