import OneshotWorkstreams

/// An `--exec` template such as `claude -p "@build {ws_id}"`, expanded per workstream.
///
/// Placeholders: `{ws_id}`, `{feature_id}`, `{file}`. Ids are validated to hold no shell
/// metacharacters; `{file}` is inserted as it is.
public struct CommandTemplate: Sendable, Equatable {
    /// The placeholders a template may use.
    public static let placeholders = ["ws_id", "feature_id", "file"]

    /// The template text.
    public let text: String

    /// Validates `text`.
    ///
    /// - Throws: ``InputError`` naming an unknown `{placeholder}` or an unclosed `{`.
    public init(_ text: String) throws(InputError) {
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw InputError("--exec template has a '{' without '}'; placeholders are {ws_id}, {feature_id}, {file}")
            }
            let name = String(rest[rest.index(after: open)..<close])
            guard Self.placeholders.contains(name) else {
                throw InputError("--exec template uses unknown placeholder {\(name)}; expected {ws_id}, {feature_id} or {file}")
            }
            rest = rest[rest.index(after: close)...]
        }
        self.text = text
    }

    /// The command for `workstream` of `featureID`.
    public func expand(for workstream: Workstream, featureID: String) -> String {
        text.replacingOccurrences(of: "{ws_id}", with: workstream.id)
            .replacingOccurrences(of: "{feature_id}", with: featureID)
            .replacingOccurrences(of: "{file}", with: workstream.source?.file ?? "")
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = Substring(self)
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
