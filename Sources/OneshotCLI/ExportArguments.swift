/// The CI systems `oneshot export` writes a pipeline for.
public enum ExportFormat: String, Sendable, Equatable, CaseIterable {
    /// A GitHub Actions workflow.
    case githubActions = "github-actions"
    /// A GitLab CI pipeline.
    case gitlabCI = "gitlab-ci"
}

/// The parsed command line of `oneshot export F052 --format FORMAT [-o FILE]`.
public struct ExportArguments: Sendable, Equatable {
    /// The feature.
    public var featureID: String = ""
    /// `--format`: which CI system.
    public var format: ExportFormat = .githubActions
    /// `-o FILE`: where to write the pipeline; stdout when `nil`.
    public var output: String?
    /// `--features DIR`.
    public var featuresFolder: String?
    /// `-C DIR`.
    public var projectRoot: String?

    /// Creates the defaults.
    public init() {}

    /// Parses the arguments after `export`.
    ///
    /// - Throws: ``UsageError`` naming the unknown option, the missing or bad value.
    static func parse(_ arguments: [String]) throws(UsageError) -> Invocation {
        var export = ExportArguments()
        var positional: [String] = []
        var format: String?
        var scanner = OptionScanner(arguments, subcommand: "export")
        while let item = try scanner.next() {
            switch item {
            case .option("-h"), .option("--help"): return .help(.export)
            case .option("--format"): format = try scanner.value(of: "--format")
            case .option("-o"), .option("--output"): export.output = try scanner.value(of: "-o")
            case .option("--features"): export.featuresFolder = try scanner.value(of: "--features")
            case .option("-C"), .option("--directory"): export.projectRoot = try scanner.value(of: "-C")
            case .option(let option): throw scanner.unknown(option)
            case .positional(let text): positional.append(text)
            }
        }
        let formats = ExportFormat.allCases.map(\.rawValue).joined(separator: " or ")
        guard let format else { throw UsageError("export needs --format \(formats)") }
        guard let chosen = ExportFormat(rawValue: format) else {
            throw UsageError("--format takes \(formats), not '\(format)'")
        }
        export.format = chosen
        guard positional.count == 1, let feature = positional.first else {
            throw UsageError("give one feature id, e.g. 'oneshot export F052 --format github-actions'")
        }
        export.featureID = try OptionScanner.featureID(feature)
        return .export(export)
    }
}
