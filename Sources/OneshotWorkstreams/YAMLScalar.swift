/// The YAML scalars of the front matter, for other small YAML files of oneshot's
/// (`.sdp/config.yml`): plain, `'single'` or `"double"` quoted, with a trailing `# comment`.
public enum YAMLScalar {
    /// Parses `text`; `nil` for an empty value, `~` or `null`.
    ///
    /// - Throws: ``InputError`` at `location` for an unclosed quote or text after one.
    public static func parse(_ text: String, at location: SourceLocation) throws(InputError) -> String? {
        try ScalarSyntax.scalar(text, at: location)
    }

    /// The boolean `text` spells, as YAML 1.1 and oneshot's files write it: `true`, `yes`, `on`
    /// or `false`, `no`, `off`, in any case; `nil` for anything else.
    public static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": true
        case "false", "no", "off": false
        default: nil
        }
    }

    /// Parses a flow list, `[a, "b", c]`, into its items.
    ///
    /// - Throws: ``InputError`` at `location` for an unclosed list or quote, an empty item, a
    ///   nested list, or text after the `]`.
    public static func flowList(_ text: String, at location: SourceLocation) throws(InputError) -> [String] {
        try ScalarSyntax.flowList(text, at: location)
    }

    /// `items` as a flow list of double-quoted items, which ``flowList(_:at:)`` reads back.
    public static func flowList(_ items: [String]) -> String {
        let quoted = items.map { item in
            var text = "\""
            for character in item {
                if character == "\\" || character == "\"" { text.append("\\") }
                text.append(character)
            }
            return text + "\""
        }
        return "[" + quoted.joined(separator: ", ") + "]"
    }
}
