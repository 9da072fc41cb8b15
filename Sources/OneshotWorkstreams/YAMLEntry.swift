/// One `key: value` of a YAML block read by ``YAMLReader``, before its meaning is checked.
public struct YAMLEntry: Sendable, Equatable {
    /// What follows the key.
    public enum Value: Sendable, Equatable {
        /// A single value; `nil` for an empty value, `~` or `null`. A block scalar (`|`, `>`)
        /// and a plain value continued on indented lines are joined into one.
        case scalar(String?)
        /// A `[a, b]` flow list or a `- a` block list.
        case list([String])
        /// Indented lines under a key with no value on its line: a nested mapping, or text
        /// over several lines. Read only by whoever knows the key (``YAMLBlock/entries(file:)``),
        /// since files carry nested mappings of other tools.
        case block(YAMLBlock)
    }

    /// The key, its value, and the 1-based line of the key.
    public let key: String, value: Value, line: Int
}
