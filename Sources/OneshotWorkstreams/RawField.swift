/// One `key: value` read from either metadata form, before its meaning is checked.
struct RawField {
    enum Value: Equatable {
        /// A single value; `nil` for an empty value, `~` or `null`.
        case scalar(String?)
        /// A `[a, b]` flow list or a `- a` block list.
        case list([String])
    }

    var key: String
    var value: Value
    /// 1-based line of the key.
    var line: Int
}
