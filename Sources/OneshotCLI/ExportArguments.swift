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
        let bindings: [OptionBinding<(export: ExportArguments, format: String?)>] = [
            .text(.format, \.format), .text(.output, \.export.output), .text(.features, \.export.featuresFolder),
            .text(.directory, \.export.projectRoot),
        ]
        return try OptionScanner.parse(arguments, for: .export, into: (ExportArguments(), nil), bindings) {
            read, positional throws(UsageError) in
            let formats = ExportFormat.allCases.map(\.rawValue).joined(separator: " or ")
            guard let format = read.format else { throw UsageError("export needs --format \(formats)") }
            guard let chosen = ExportFormat(rawValue: format) else {
                throw UsageError(.invalidValue(source: "--format", value: format, expected: formats))
            }
            read.export.format = chosen
            read.export.featureID = try ArgumentParser.featureID(
                from: positional, example: "oneshot export F052 --format github-actions")
            return .export(read.export)
        }
    }
}
