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
        let bindings: [OptionBinding<ListArguments>] = [
            .flag(.json, \.json), .flag(.ids, \.idsOnly), .text(.features, \.featuresFolder), .text(.directory, \.projectRoot),
        ]
        return try OptionScanner.parse(arguments, for: .list, into: .init(), bindings) { list, positional throws(UsageError) in
            if positional.count > 1 {
                throw UsageError(.unexpectedArgument(positional[1], expected: "give at most one feature id"))
            }
            if let feature = positional.first { list.featureID = try OptionScanner.featureID(feature) }
            if list.json && list.idsOnly { throw UsageError(.conflictingOptions("--json", "--ids")) }
            return .list(list)
        }
    }
}
