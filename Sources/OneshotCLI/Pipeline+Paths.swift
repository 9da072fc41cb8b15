import Foundation

extension Pipeline {
    /// Why the declared outputs of the jobs cannot be written as `format`'s artifact paths, one
    /// line each naming the workstream's file; empty when they all can.
    ///
    /// An output is a literal path (a run checks that it exists), but the CI systems read
    /// artifact paths as patterns: GitHub evaluates `${{ … }}` in them, reads a leading `!` as an
    /// exclusion and `#` as a comment, trims spaces; GitLab expands `$VARIABLES` and globs.
    /// What can be escaped is (``githubPath(_:)``); the rest is refused rather than carried as
    /// another path than the one declared.
    func pathProblems(_ format: ExportFormat) -> [String] {
        jobs.flatMap { job in
            job.outputs.compactMap { output in
                Self.pathProblem(output, format: format).map {
                    "\(job.source ?? job.workstreamID): output '\(Self.printable(String(output.prefix(120))))' cannot be an artifact path of \(format.rawValue): \($0)"
                }
            }
        }
    }

    /// Why `output` cannot be one of `format`'s artifact paths, or `nil`.
    static func pathProblem(_ output: String, format: ExportFormat) -> String? {
        if output.unicodeScalars.contains(where: isControl) {
            return "it holds a line break or a control character"
        }
        if output.first?.isWhitespace == true || output.last?.isWhitespace == true {
            return "it starts or ends with a space, which the CI trims"
        }
        if output.contains("\\") { return "a backslash would be read as an escape" }
        switch format {
        case .githubActions:
            if output.contains("${{") { return "GitHub would evaluate '${{' as an expression" }
        case .gitlabCI:
            if output.contains("$") { return "GitLab would expand '$' as a variable" }
            if let glob = output.first(where: { "*?[]{}".contains($0) }) {
                return "GitLab would read '\(glob)' as a wildcard"
            }
        }
        return nil
    }

    /// `output` as a GitHub artifact path that matches exactly that file: wildcards wrapped in
    /// `[]` (`@actions/glob`'s escape), a leading `!` (exclusion) or `#` (comment) behind `./`.
    static func githubPath(_ output: String) -> String {
        var path = ""
        for character in output {
            path += "*?[".contains(character) ? "[\(character)]" : String(character)
        }
        return output.first.map { "!#".contains($0) } == true ? "./" + path : path
    }

    /// `text` with control characters shown as `?`: for a one-line message or a YAML comment.
    static func printable(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { isControl($0) ? "?" : $0 }))
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }
}
