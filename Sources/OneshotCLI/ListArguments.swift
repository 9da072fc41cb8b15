/// The parsed command line of `oneshot list [F052]`.
public struct ListArguments: Sendable, Equatable {
    /// The feature whose workstreams to list; `nil` lists the project's features.
    public var featureID: String?
    /// `--json`: one JSON object for machines (`Schemas/list.schema.json`).
    public var json = false
    /// `--ids`: only the ids, one a line (for scripts and shell completion).
    public var idsOnly = false
    /// `--features DIR`.
    public var featuresFolder: String?
    /// `-C DIR`.
    public var projectRoot: String?

    /// Creates the defaults.
    public init() {}

    /// Parses the arguments after `list`.
    ///
    /// - Throws: ``UsageError`` naming the unknown option or the extra argument.
    static func parse(_ arguments: [String]) throws(UsageError) -> Invocation {
        var list = ListArguments()
        var scanner = OptionScanner(arguments, subcommand: "list")
        while let item = try scanner.next() {
            switch item {
            case .option("-h"), .option("--help"): return .help(.list)
            case .option("--json"): list.json = true
            case .option("--ids"): list.idsOnly = true
            case .option("--features"): list.featuresFolder = try scanner.value(of: "--features")
            case .option("-C"), .option("--directory"): list.projectRoot = try scanner.value(of: "-C")
            case .option(let option): throw scanner.unknown(option)
            case .positional(let text):
                guard list.featureID == nil else {
                    throw UsageError("unexpected argument '\(text)'; give at most one feature id")
                }
                list.featureID = try OptionScanner.featureID(text)
            }
        }
        if list.json && list.idsOnly { throw UsageError("--json and --ids cannot be used together") }
        return .list(list)
    }
}
