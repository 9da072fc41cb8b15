import OneshotBreaker
import OneshotWorkstreams

/// The parsed command line of `oneshot F052 [options]`.
public struct RunArguments: Sendable, Equatable {
    /// The feature to run.
    public var featureID: String = ""
    /// `-j`: attempts running at once.
    public var jobs: Int = 3
    /// `--features DIR`: a tree of files selected by `feature_id`.
    public var featuresFolder: String?
    /// `--exec TEMPLATE`: the command of workstreams without `run:`.
    public var execTemplate: String?
    /// `--retries N`.
    public var retries: Int = 0
    /// `--timeout DURATION`.
    public var timeout: Duration?
    /// `--grace DURATION`: between SIGTERM and SIGKILL.
    public var grace: Duration = .seconds(5)
    /// `-C DIR`: the project root.
    public var projectRoot: String?
    /// `--fresh`: discard the checkpoint and start over.
    public var fresh = false
    /// `--force`: run every workstream, whatever the history and the checkpoint say.
    public var force = false
    /// `--checkpoint-grace DURATION`: how long nothing may be written to the checkpoint (a full
    /// disk), or attempts fail for oneshot's own reasons, before the run stops (exit 6).
    public var checkpointGrace: Duration = .seconds(60)
    /// `--deadline`: when the run stops launching, interrupts what runs, saves and exits 7.
    public var deadline: RunDeadline?
    /// `--strict-checkpoint`: stop the run when the checkpoint cannot be written.
    public var strictCheckpoint = false
    /// `--rerun-uncertain`: run again non-idempotent workstreams that were running at a crash.
    public var rerunUncertain = false
    /// `--kill-orphans`: terminate an earlier run's attempts that still run, instead of adopting them.
    public var killOrphans = false
    /// The breaker's settings (`--breaker-threshold`, `--breaker-window`, `--breaker-timeout`,
    /// `--breaker-max-backoff`, `--breaker-max-opens`).
    public var breaker = BreakerConfiguration()
    /// `--no-breaker`: run without a circuit breaker.
    public var noBreaker = false
    /// `--no-wait`: if the restored breaker is still open, exit at once instead of waiting.
    public var noWait = false
    /// `--json`: JSON Lines events on stdout, the human lines on stderr.
    public var json = false
    /// `--dry-run`: show the plan, run nothing (the same as `oneshot plan`).
    public var dryRun = false
    /// Where attempts run: `--executor`, `--poll-interval`, `slurm:` in `.sdp/config.yml`.
    public var executor = ExecutorSettings()
    /// `--trace FILE`: write the run's Chrome trace there at its end.
    public var tracePath: String?
    /// `--report` or `report: auto`: write `.sdp/reports/<feature>.html` at the end of a run that
    /// failed or was resumed.
    public var report = false
    /// `--color`: whether the lines for people carry colour.
    public var color = ColorChoice.auto
    /// `--heartbeat`: under `CI` without a terminal, how often a line names the running
    /// workstreams; `nil` (`off`) for never.
    public var heartbeat: Duration? = .seconds(60)
    /// `--fail-fast`: stop launching once a workstream failed with no retry left; `-k` /
    /// `--keep-going` (the default) skips only its dependents.
    public var failFast = false
    /// `-v` / `-q`: how much of the run people see.
    public var verbosity = Verbosity.normal
    /// Where each ``Setting`` that is not a default came from: a flag, or `.sdp/config.yml:LINE`.
    public var sources: [String: String] = [:]
    /// The workstreams to run (`oneshot F052 ID…`, `--rerun`, `--only`); empty: the whole feature.
    public var selection = TargetArguments()

    /// Checks the settings together, once flags and the configuration file are merged.
    public mutating func validate() throws(UsageError) {
        guard breaker.threshold <= breaker.window else {
            throw UsageError(
                "\(named("breaker_threshold", "\(breaker.threshold)")) cannot exceed \(named("breaker_window", "\(breaker.window)"))"
            )
        }
        guard breaker.maxBackoff >= breaker.openTimeout else {
            throw UsageError(
                "\(named("breaker_max_backoff", DurationText.format(breaker.maxBackoff))) cannot be shorter than \(named("breaker_timeout", DurationText.format(breaker.openTimeout)))"
            )
        }
        breaker = BreakerConfiguration(
            threshold: breaker.threshold, window: breaker.window, openTimeout: breaker.openTimeout,
            maxBackoff: breaker.maxBackoff, maxOpens: breaker.maxOpens
        )
    }

    /// Creates the defaults.
    public init() {}
}

/// The parsed command line of `oneshot status F052`.
public struct StatusArguments: Sendable, Equatable {
    /// The feature.
    public var featureID: String = ""
    /// `--json`: one JSON object for machines.
    public var json = false
    /// `-C DIR`: the project root.
    public var projectRoot: String?

    /// Creates the defaults.
    public init() {}
}

/// The subcommands with a help text of their own.
public enum HelpTopic: String, Sendable, Equatable, CaseIterable {
    /// `oneshot <feature>`.
    case run
    /// `oneshot status`.
    case status
    /// `oneshot plan`.
    case plan
    /// `oneshot config`.
    case config
    /// `oneshot trace`.
    case trace
    /// `oneshot report`.
    case report
    /// `oneshot export`.
    case export
    /// `oneshot list`.
    case list
    /// `oneshot log`.
    case log
    /// `oneshot clean`.
    case clean
    /// `oneshot completions`.
    case completions
}

/// The parsed command line of `oneshot config`.
public struct ConfigArguments: Sendable, Equatable {
    /// `-C DIR`.
    public var projectRoot: String?
    /// Run flags to combine with the file, e.g. `-j 8`.
    public var runArguments: [String] = []
    /// `--json`: the settings as one JSON object.
    public var json = false

    /// Creates the defaults.
    public init() {}
}

/// The parsed command line of `oneshot plan F052`.
public struct PlanArguments: Sendable, Equatable {
    /// The feature.
    public var featureID: String = ""
    /// `--json`.
    public var json = false
    /// `--dot`: Graphviz.
    public var dot = false
    /// `--features DIR`.
    public var featuresFolder: String?
    /// `--exec TEMPLATE`: the command of workstreams without `run:`, as the run would be given it.
    public var execTemplate: String?
    /// `-C DIR`.
    public var projectRoot: String?
    /// The workstreams a run would run (`plan F052 ID…`, `--rerun`, `--only`).
    public var selection = TargetArguments()

    /// Creates the defaults.
    public init() {}
}

/// What the command line asks for.
public enum Invocation: Sendable, Equatable {
    /// Run a feature.
    case run(RunArguments)
    /// Show a feature's checkpoint.
    case status(StatusArguments)
    /// Show what a run would do.
    case plan(PlanArguments)
    /// Print the help text of a subcommand.
    case help(HelpTopic)
    /// Print the effective settings and where each came from.
    case config(ConfigArguments)
    /// Print the version.
    case version
    /// Write a run's trace or report.
    case picture(PictureArguments)
    /// Write the feature as a CI pipeline.
    case export(ExportArguments)
    /// List the features, or a feature's workstreams.
    case list(ListArguments)
    /// Print a workstream's log.
    case log(LogArguments)
    /// Remove what runs of a feature left.
    case clean(CleanArguments)
    /// Print a shell's completion script (`bash`, `zsh` or `fish`).
    case completions(String)
}

/// Parses `oneshot`'s arguments (without the program name).
public enum ArgumentParser {
    /// Parses `arguments`.
    ///
    /// - Throws: ``UsageError`` naming the unknown option, the missing or bad value.
    public static func parse(_ arguments: [String]) throws(UsageError) -> Invocation {
        if arguments.first == "help" { return try parseHelp(Array(arguments.dropFirst())) }
        if arguments.first == "config" { return try parseConfig(Array(arguments.dropFirst())) }
        if arguments.first == "status" { return try parseStatus(Array(arguments.dropFirst())) }
        if arguments.first == "plan" { return try parsePlan(Array(arguments.dropFirst())) }
        if let first = arguments.first, let kind = PictureArguments.Kind(rawValue: first) {
            return try PictureArguments.parse(kind, Array(arguments.dropFirst()))
        }
        if arguments.first == "export" { return try ExportArguments.parse(Array(arguments.dropFirst())) }
        if arguments.first == "list" { return try ListArguments.parse(Array(arguments.dropFirst())) }
        if arguments.first == "log" { return try LogArguments.parse(Array(arguments.dropFirst())) }
        if arguments.first == "clean" { return try CleanArguments.parse(Array(arguments.dropFirst())) }
        if arguments.first == "completions" { return try Completions.parse(Array(arguments.dropFirst())) }
        var run = RunArguments()
        var positional: [String] = []
        var index = 0
        func value(_ flag: String) throws(UsageError) -> String {
            index += 1
            guard index < arguments.count else { throw UsageError("option \(flag) needs a value") }
            return arguments[index]
        }
        while index < arguments.count {
            var argument = arguments[index]
            var inlineValue: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                inlineValue = String(argument[argument.index(after: equals)...])
                argument = String(argument[..<equals])
            } else if argument.hasPrefix("-j"), argument.count > 2 {
                inlineValue = String(argument.dropFirst(2))
                argument = "-j"
            }
            func next() throws(UsageError) -> String {
                if let inlineValue { return inlineValue }
                return try value(argument)
            }
            switch argument {
            case "-h", "--help": return .help(.run)
            case "-V", "--version", "version": return .version
            case "-C", "--directory": run.projectRoot = try next()
            case "--fresh": run.fresh = true
            case "--force": run.force = true
            case "--rerun-uncertain": run.rerunUncertain = true
            case "--kill-orphans": run.killOrphans = true
            case "--no-wait": run.noWait = true
            case "--json": run.json = true
            case "--dry-run": run.dryRun = true
            case "--fail-fast": run.failFast = true
            case "-k", "--keep-going": run.failFast = false
            case "-v", "--verbose": run.verbosity = .verbose
            case "-q", "--quiet": run.verbosity = .quiet
            case "--trace": run.tracePath = try next()
            case "--rerun", "--only", "--assume-deps-done": _ = try run.selection.parse(argument, next: next)
            case "--strict-checkpoint", "--no-breaker", "--report":
                try Setting.forFlag(argument)?.apply(&run, argument == "--no-breaker" ? "false" : "true", argument)
                run.sources[Setting.forFlag(argument)?.key ?? argument] = argument
            case _ where Setting.forFlag(argument) != nil:
                guard let setting = Setting.forFlag(argument) else { break }
                try setting.apply(&run, try next(), argument)
                run.sources[setting.key] = argument
            case "--":
                positional.append(contentsOf: arguments[(index + 1)...])
                index = arguments.count
                continue
            default:
                if argument.hasPrefix("-") && argument != "-" {
                    throw UsageError("unknown option '\(argument)'")
                }
                positional.append(argument)
            }
            index += 1
        }
        if positional.first == "run" { positional.removeFirst() }
        run.featureID = try featureID(from: Array(positional.prefix(1)), example: "oneshot F052")
        run.selection.targets = Array(positional.dropFirst())
        // The breaker's settings are checked together by `validate()`, once `.sdp/config.yml` is
        // merged: a flag alone may be valid only beside the file's values.
        return .run(run)
    }

    /// `oneshot help [topic]`: a topic that does not exist is a usage error, not the general help.
    private static func parseHelp(_ arguments: [String]) throws(UsageError) -> Invocation {
        guard let name = arguments.first else { return .help(.run) }
        guard let topic = HelpTopic(rawValue: name) else {
            let topics = HelpTopic.allCases.map(\.rawValue).joined(separator: ", ")
            throw UsageError("no help topic '\(name)'; topics: \(topics)")
        }
        guard arguments.count == 1 else { throw UsageError("unexpected argument '\(arguments[1])'; give one help topic") }
        return .help(topic)
    }

    private static func parseStatus(_ arguments: [String]) throws(UsageError) -> Invocation {
        var status = StatusArguments()
        var positional: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "-h", "--help": return .help(.status)
            case "--json": status.json = true
            case "-C", "--directory":
                index += 1
                guard index < arguments.count else { throw UsageError("option \(argument) needs a value") }
                status.projectRoot = arguments[index]
            default:
                if argument.hasPrefix("-") { throw UsageError("unknown option '\(argument)' for status") }
                positional.append(argument)
            }
            index += 1
        }
        status.featureID = try featureID(from: positional, example: "oneshot status F052")
        return .status(status)
    }

    private static func parseConfig(_ arguments: [String]) throws(UsageError) -> Invocation {
        var config = ConfigArguments()
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "-h", "--help": return .help(.config)
            case "--json": config.json = true
            case "-C", "--directory":
                index += 1
                guard index < arguments.count else { throw UsageError("option \(argument) needs a value") }
                config.projectRoot = arguments[index]
            default:
                // Any run flag may be given, to see how it combines with the file.
                config.runArguments.append(argument)
            }
            index += 1
        }
        return .config(config)
    }

    private static func parsePlan(_ arguments: [String]) throws(UsageError) -> Invocation {
        var plan = PlanArguments()
        var positional: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            func value() throws(UsageError) -> String {
                index += 1
                guard index < arguments.count else { throw UsageError("option \(argument) needs a value") }
                return arguments[index]
            }
            switch argument {
            case "-h", "--help": return .help(.plan)
            case "--json": plan.json = true
            case "--dot": plan.dot = true
            case "--features": plan.featuresFolder = try value()
            case "--exec": plan.execTemplate = try value()
            case "-C", "--directory": plan.projectRoot = try value()
            case "--rerun", "--only", "--assume-deps-done": _ = try plan.selection.parse(argument, next: value)
            default:
                if argument.hasPrefix("-") { throw UsageError("unknown option '\(argument)' for plan") }
                positional.append(argument)
            }
            index += 1
        }
        if plan.json && plan.dot { throw UsageError("--json and --dot cannot be used together") }
        plan.featureID = try featureID(from: Array(positional.prefix(1)), example: "oneshot plan F052")
        plan.selection.targets = Array(positional.dropFirst())
        return .plan(plan)
    }

    static func featureID(from positional: [String], example: String) throws(UsageError) -> String {
        guard let feature = positional.first else {
            throw UsageError("missing feature id, e.g. '\(example)'")
        }
        guard positional.count == 1 else {
            throw UsageError("unexpected argument '\(positional[1])'; give one feature id")
        }
        do {
            return try FeatureID(validating: feature).rawValue
        } catch {
            throw UsageError(error.message)
        }
    }

}
