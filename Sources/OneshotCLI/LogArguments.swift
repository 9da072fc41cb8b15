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
        let bindings: [OptionBinding<LogArguments>] = [
            .flag(.follow, \.follow), .number(.attempt, \.attempt, minimum: 1), .number(.tail, \.tail, minimum: 0),
            .text(.features, \.featuresFolder), .text(.directory, \.projectRoot),
        ]
        return try OptionScanner.parse(arguments, for: .log, into: .init(), bindings) { log, positional throws(UsageError) in
            try log.identify(positional)
            return .log(log)
        }
    }

    /// Takes the feature and workstream ids from the positionals.
    private mutating func identify(_ positional: [String]) throws(UsageError) {
        guard positional.count >= 2 else {
            throw UsageError(
                .missingArgument(
                    "\(positional.isEmpty ? "feature id and " : "")workstream id", example: "oneshot log F052 00-052-06"))
        }
        guard positional.count == 2 else {
            throw UsageError(.unexpectedArgument(positional[2], expected: "give a feature and a workstream id"))
        }
        featureID = try OptionScanner.featureID(positional[0])
        workstreamID = positional[1]
        guard !workstreamID.contains("/"), !workstreamID.hasPrefix(".") else {
            throw UsageError("'\(workstreamID)' is not a workstream id (letters, digits, '.', '-' and '_')")
        }
    }
}
