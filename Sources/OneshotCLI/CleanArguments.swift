/// The parsed command line of `oneshot clean F052`.
public struct CleanArguments: Sendable, Equatable {
    /// The feature.
    public var featureID = ""
    /// `--checkpoint`: the checkpoint and its journal.
    public var checkpoint = false
    /// `--logs`: the log folder.
    public var logs = false
    /// `--history`: the last successful run's record.
    public var history = false
    /// `-C DIR`.
    public var projectRoot: String?

    /// Creates the defaults.
    public init() {}

    /// Whether nothing was chosen: then everything goes.
    var removesAll: Bool { !checkpoint && !logs && !history }

    /// Parses the arguments after `clean`.
    ///
    /// - Throws: ``UsageError`` naming the unknown option or the missing feature id.
    static func parse(_ arguments: [String]) throws(UsageError) -> Invocation {
        let bindings: [OptionBinding<CleanArguments>] = [
            .flag(.checkpoint, \.checkpoint), .flag(.logs, \.logs), .flag(.history, \.history),
            .text(.directory, \.projectRoot),
        ]
        return try OptionScanner.parse(arguments, for: .clean, into: .init(), bindings) { clean, positional throws(UsageError) in
            clean.featureID = try ArgumentParser.featureID(from: positional, example: "oneshot clean F052")
            return .clean(clean)
        }
    }
}
