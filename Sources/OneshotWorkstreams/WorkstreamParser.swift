/// Turns one workstream file into a ``Workstream``.
///
/// A file is either YAML front matter (`ws_id`, `depends_on`, `run`, `verify`, …) or a `## Metadata`
/// bullet list (`- **ws_id**: 00-052-14`). A file with neither (a summary, a README) is not a
/// workstream and yields `nil`. Unknown keys are kept as they are (``Workstream/extra``); known
/// keys are checked strictly, and every problem is reported with its file and line. The Markdown
/// after the front matter is the workstream's ``Workstream/body``.
public enum WorkstreamParser {
    /// Keys with a meaning to oneshot, and the names the original files used for them.
    static let aliases: [String: String] = [
        "ws_id": "ws_id", "feature_id": "feature_id", "feature": "feature_id", "title": "title",
        "depends_on": "depends_on", "dependencies": "depends_on", "run": "run", "timeout": "timeout",
        "retries": "retries", "outputs": "outputs", "idempotent": "idempotent", "status": "status",
        "verify": "verify", "slurm_args": "slurm_args",
    ]

    /// Parses the file at `file` whose content is `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - file: the path to show in errors and to record as the workstream's source.
    /// - Returns: the workstream, or `nil` when the file declares no `ws_id`.
    /// - Throws: ``InputErrors`` with one entry per problem found.
    public static func parse(_ bytes: [UInt8], file: String) throws(InputErrors) -> Workstream? {
        do {
            let text = try SourceText(bytes: bytes, file: file)
            let frontMatter = try FrontMatterParser(file: file).parse(text.lines)
            let metadata = MetadataListParser(file: file).parse(text.lines, from: frontMatter?.bodyStart ?? 0)
            let fields = try choose(frontMatter: frontMatter?.fields, metadata: metadata, file: file)
            guard let fields else { return nil }
            var workstream = try WorkstreamBuilder(file: file, fields: fields).build()
            let bodyLines = frontMatter.map { text.lines.dropFirst($0.bodyStart) } ?? text.lines[...]
            workstream.body = bodyLines.joined(separator: "\n") + (bodyLines.isEmpty ? "" : "\n")
            return workstream
        } catch let error as InputError {
            throw InputErrors([error])
        } catch let errors as InputErrors {
            throw errors
        } catch {
            throw InputErrors([InputError("\(error)", at: .init(file: file))])
        }
    }

    /// Picks the form that declares `ws_id`; both declaring one is an error.
    private static func choose(frontMatter: [RawField]?, metadata: [RawField]?, file: String) throws(InputError) -> [RawField]? {
        let frontID = frontMatter?.first { $0.key == "ws_id" }
        let listID = metadata?.first { $0.key == "ws_id" }
        switch (frontID, listID) {
        case let (front?, list?):
            throw InputError(
                "ws_id is declared twice, in the front matter (line \(front.line)) and in the ## Metadata list (line \(list.line)); keep one form",
                at: .init(file: file, line: list.line)
            )
        case (.some, nil): return frontMatter
        case (nil, .some): return metadata
        case (nil, nil): return nil
        }
    }
}
