/// The YAML scalars of the front matter, for other small YAML files of oneshot's
/// (`.sdp/config.yml`): plain, `'single'` or `"double"` quoted, with a trailing `# comment`.
public enum YAMLScalar {
    /// Parses `text`; `nil` for an empty value, `~` or `null`.
    ///
    /// - Throws: ``InputError`` at `location` for an unclosed quote or text after one.
    public static func parse(_ text: String, at location: SourceLocation) throws(InputError) -> String? {
        try ScalarSyntax.scalar(text, at: location)
    }
}
