/// The parsed command line of `oneshot log F052 00-052-06`.
public struct LogArguments: Sendable, Equatable {
    /// The feature.
    public var featureID = ""
    /// The workstream whose log to print.
    public var workstreamID = ""
    /// `--attempt N`: only that attempt (the latest one numbered N).
    public var attempt: Int?
    /// `-f` / `--follow`: go on printing while the attempt runs.
    public var follow = false
    /// `--tail N` / `-n N`: only the last N lines.
    public var tail: Int?
    /// `--features DIR`.
    public var featuresFolder: String?
    /// `-C DIR`.
    public var projectRoot: String?

    /// Creates the defaults.
    public init() {}

    /// Parses the arguments after `log`.
    ///
    /// - Throws: ``UsageError`` naming the unknown option, the bad value or the missing id.
    static func parse(_ arguments: [String]) throws(UsageError) -> Invocation {
        var log = LogArguments()
        var positional: [String] = []
        var scanner = OptionScanner(arguments, subcommand: "log")
        while let item = try scanner.next() {
            switch item {
            case .option("-h"), .option("--help"): return .help(.log)
            case .option("-f"), .option("--follow"): log.follow = true
            case .option("--attempt"): log.attempt = try scanner.number(of: "--attempt", minimum: 1)
            case .option("--tail"), .option("-n"): log.tail = try scanner.number(of: "--tail", minimum: 0)
            case .option("--features"): log.featuresFolder = try scanner.value(of: "--features")
            case .option("-C"), .option("--directory"): log.projectRoot = try scanner.value(of: "-C")
            case .option(let option): throw scanner.unknown(option)
            case .positional(let text): positional.append(text)
            }
        }
        guard positional.count >= 2 else {
            throw UsageError(
                "missing \(positional.isEmpty ? "feature id and " : "")workstream id, e.g. 'oneshot log F052 00-052-06'")
        }
        guard positional.count == 2 else {
            throw UsageError("unexpected argument '\(positional[2])'; give a feature and a workstream id")
        }
        log.featureID = try OptionScanner.featureID(positional[0])
        log.workstreamID = positional[1]
        guard !log.workstreamID.contains("/"), !log.workstreamID.hasPrefix(".") else {
            throw UsageError("'\(log.workstreamID)' is not a workstream id (letters, digits, '.', '-' and '_')")
        }
        return .log(log)
    }
}
