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

    /// Creates the defaults.
    public init() {}
}

/// What the command line asks for.
public enum Invocation: Sendable, Equatable {
    /// Run a feature.
    case run(RunArguments)
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
        guard let feature = positional.first else {
            throw UsageError("missing feature id, e.g. 'oneshot F052'")
        }
        guard positional.count == 1 else {
            throw UsageError("unexpected argument '\(positional[1])'; give one feature id")
        }
        do {
            run.featureID = try FeatureID(validating: feature).rawValue
        } catch {
            throw UsageError(error.message)
        }
        return .run(run)
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
