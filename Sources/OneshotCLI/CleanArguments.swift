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
        var clean = CleanArguments()
        var scanner = OptionScanner(arguments, subcommand: "clean")
        var positional: [String] = []
        while let item = try scanner.next() {
            switch item {
            case .option("-h"), .option("--help"): return .help(.clean)
            case .option("--checkpoint"): clean.checkpoint = true
            case .option("--logs"): clean.logs = true
            case .option("--history"): clean.history = true
            case .option("-C"), .option("--directory"): clean.projectRoot = try scanner.value(of: "-C")
            case .option(let option): throw scanner.unknown(option)
            case .positional(let text): positional.append(text)
            }
        }
        guard let feature = positional.first else { throw UsageError("missing feature id, e.g. 'oneshot clean F052'") }
        guard positional.count == 1 else { throw UsageError("unexpected argument '\(positional[1])'; give one feature id") }
        clean.featureID = try OptionScanner.featureID(feature)
        return .clean(clean)
    }
}
