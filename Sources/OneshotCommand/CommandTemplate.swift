import OneshotWorkstreams

/// An `--exec` template such as `claude -p "@build {ws_id}"`, expanded per workstream.
///
/// Placeholders: `{ws_id}`, `{feature_id}`, `{file}`. Each value is shell-quoted for where it
/// stands in the template — bare, inside `'…'` or inside `"…"` — so that a file name with a
/// space, a quote or a `$(…)` reaches the command as one word, as it is, and runs nothing.
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
        let values = ["ws_id": workstream.id, "feature_id": featureID, "file": workstream.source?.file ?? ""]
        var result = ""
        var scanner = ShellQuoteState()
        var index = text.startIndex
        while index < text.endIndex {
            // init guarantees that every '{' opens a known placeholder.
            if text[index] == "{", let close = text[index...].firstIndex(of: "}"),
                let value = values[String(text[text.index(after: index)..<close])]
            {
                result += scanner.quoted(value)
                index = text.index(after: close)
                continue
            }
            scanner.advance(over: text[index])
            result.append(text[index])
            index = text.index(after: index)
        }
        return result
    }
}

/// Where a position in a shell command stands: bare, in single quotes or in double quotes; and
/// how to insert a value there so that the shell reads it back unchanged.
private struct ShellQuoteState {
    private enum Context { case bare, single, double }
    private var context = Context.bare
    private var escaped = false

    mutating func advance(over character: Character) {
        if escaped {
            escaped = false
            return
        }
        switch (context, character) {
        case (.bare, "\\"), (.double, "\\"): escaped = true
        case (.bare, "'"): context = .single
        case (.bare, "\""): context = .double
        case (.single, "'"), (.double, "\""): context = .bare
        default: break
        }
    }

    func quoted(_ value: String) -> String {
        switch context {
        case .bare:
            return ShellWord.word(value)
        case .single:
            return value.replacingOccurrences(of: "'", with: #"'\''"#)
        case .double:
            var result = ""
            for character in value {
                if "\\\"$`".contains(character) { result.append("\\") }
                result.append(character)
            }
            return result
        }
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
