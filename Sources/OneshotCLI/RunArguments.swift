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
    /// `--strict-checkpoint`: stop the run when the checkpoint cannot be written.
    public var strictCheckpoint = false
    /// `--rerun-uncertain`: run again non-idempotent workstreams that were running at a crash.
    public var rerunUncertain = false
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

/// What the command line asks for.
public enum Invocation: Sendable, Equatable {
    /// Run a feature.
    case run(RunArguments)
    /// Show a feature's checkpoint.
    case status(StatusArguments)
    /// Print the help text.
    case help
    /// Print the version.
    case version
}

/// Parses `oneshot`'s arguments (without the program name).
public enum ArgumentParser {
    /// Parses `arguments`.
    ///
    /// - Throws: ``UsageError`` naming the unknown option, the missing or bad value.
    public static func parse(_ arguments: [String]) throws(UsageError) -> Invocation {
        if arguments.first == "status" { return try parseStatus(Array(arguments.dropFirst())) }
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
            case "-h", "--help", "help": return .help
            case "-V", "--version", "version": return .version
            case "-j", "--jobs":
                run.jobs = try integer(try next(), flag: argument, range: 1...100_000)
            case "--retries":
                run.retries = try integer(try next(), flag: argument, range: 0...1000)
            case "--timeout":
                run.timeout = try duration(try next(), flag: argument)
            case "--grace":
                run.grace = try duration(try next(), flag: argument)
            case "--features": run.featuresFolder = try next()
            case "--exec": run.execTemplate = try next()
            case "-C", "--directory": run.projectRoot = try next()
            case "--fresh": run.fresh = true
            case "--strict-checkpoint": run.strictCheckpoint = true
            case "--rerun-uncertain": run.rerunUncertain = true
            case "--no-breaker": run.noBreaker = true
            case "--no-wait": run.noWait = true
            case "--json": run.json = true
            case "--dry-run": run.dryRun = true
            case "--breaker-threshold":
                run.breaker.threshold = try integer(try next(), flag: argument, range: 1...1_000_000)
            case "--breaker-window":
                run.breaker.window = try integer(try next(), flag: argument, range: 1...1_000_000)
            case "--breaker-max-opens":
                run.breaker.maxOpens = try integer(try next(), flag: argument, range: 1...1_000_000)
            case "--breaker-timeout":
                run.breaker.openTimeout = try duration(try next(), flag: argument)
            case "--breaker-max-backoff":
                run.breaker.maxBackoff = try duration(try next(), flag: argument)
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
        run.featureID = try featureID(from: positional, example: "oneshot F052")
        guard run.breaker.threshold <= run.breaker.window else {
            throw UsageError(
                "--breaker-threshold (\(run.breaker.threshold)) cannot exceed --breaker-window (\(run.breaker.window))")
        }
        guard run.breaker.maxBackoff >= run.breaker.openTimeout else {
            throw UsageError("--breaker-max-backoff cannot be shorter than --breaker-timeout")
        }
        run.breaker = BreakerConfiguration(
            threshold: run.breaker.threshold, window: run.breaker.window, openTimeout: run.breaker.openTimeout,
            maxBackoff: run.breaker.maxBackoff, maxOpens: run.breaker.maxOpens
        )
        return .run(run)
    }

    private static func parseStatus(_ arguments: [String]) throws(UsageError) -> Invocation {
        var status = StatusArguments()
        var positional: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "-h", "--help": return .help
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

    private static func featureID(from positional: [String], example: String) throws(UsageError) -> String {
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

    private static func integer(_ text: String, flag: String, range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw UsageError("\(flag) takes a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    private static func duration(_ text: String, flag: String) throws(UsageError) -> Duration {
        guard let value = DurationText.parse(text) else {
            throw UsageError("\(flag) takes a duration such as 90s, 10m or 1h, not '\(text)'")
        }
        return value
    }
}
