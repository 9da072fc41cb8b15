/// The parsed command line of `oneshot trace F052` and `oneshot report F052`.
public struct PictureArguments: Sendable, Equatable {
    /// Which picture.
    public enum Kind: String, Sendable, Equatable {
        /// The Chrome Trace Event JSON (Perfetto, `chrome://tracing`).
        case trace
        /// The self-contained HTML report.
        case report
    }

    /// Which picture.
    public var kind: Kind
    /// The feature.
    public var featureID: String = ""
    /// `-o FILE`: where to write it; `-` for standard output. By default a trace goes to standard
    /// output and a report to `.sdp/reports/<feature>.html`.
    public var output: String?
    /// `-C DIR`: the project root.
    public var projectRoot: String?

    /// Creates the defaults for `kind`.
    public init(kind: Kind) {
        self.kind = kind
    }

    /// Parses the arguments after `trace` or `report`.
    ///
    /// - Throws: ``UsageError`` naming the unknown option, the missing value or the bad feature id.
    static func parse(_ kind: Kind, _ arguments: [String]) throws(UsageError) -> Invocation {
        let bindings: [OptionBinding<PictureArguments>] = [.text(.output, \.output), .text(.directory, \.projectRoot)]
        let topic: HelpTopic = kind == .trace ? .trace : .report
        return try OptionScanner.parse(arguments, for: topic, into: .init(kind: kind), bindings) {
            picture, positional throws(UsageError) in
            picture.featureID = try ArgumentParser.featureID(from: positional, example: "oneshot \(kind.rawValue) F052")
            return .picture(picture)
        }
    }
}
