/// YAML scalars and flow lists as the front matter writes them.
enum ScalarSyntax {
    /// Parses a plain or quoted scalar, dropping a trailing `# comment`.
    ///
    /// - Returns: the value, or `nil` for an empty value, `~` or `null`.
    static func scalar(_ text: String, at location: SourceLocation) throws(InputError) -> String? {
        let text = text.trimmingSpaces()
        guard let first = text.first else { return nil }
        if first == "\"" || first == "'" {
            let (value, rest) = try quoted(Substring(text), at: location)
            let tail = rest.trimmingSpaces()
            guard tail.isEmpty || tail.hasPrefix("#") else {
                throw InputError("unexpected text after a quoted value: '\(tail.prefix(40))'", at: location)
            }
            return value
        }
        let plain = stripComment(text).trimmingSpaces()
        switch plain {
        case "", "~", "null", "Null", "NULL": return nil
        default: return plain
        }
    }

    /// Parses `[a, "b", c]` into its items.
    static func flowList(_ text: String, at location: SourceLocation) throws(InputError) -> [String] {
        var rest = Substring(text.trimmingSpaces()).dropFirst()
        var items: [String] = []
        var current = ""
        // Whether the item since the last ',' was quoted (and so is already in `items`).
        var quotedItem = false
        // One rule for quoted and plain items: `[a, b, ]` ends with a trailing comma, as YAML
        // allows; `[a, , b]` is an empty item, which it does not.
        while let character = rest.first {
            switch character {
            case "]":
                let tail = stripComment(String(rest.dropFirst())).trimmingSpaces()
                guard tail.isEmpty else {
                    throw InputError("unexpected text after ']': '\(tail.prefix(40))'", at: location)
                }
                if !quotedItem { try append(current, to: &items, at: location) }
                return items
            case ",":
                if !quotedItem {
                    guard !current.trimmingSpaces().isEmpty else {
                        throw InputError("empty item in a list; expected [a, b]", at: location)
                    }
                    try append(current, to: &items, at: location)
                }
                current = ""
                quotedItem = false
                rest = rest.dropFirst()
            case "\"" where current.trimmingSpaces().isEmpty && !quotedItem,
                "'" where current.trimmingSpaces().isEmpty && !quotedItem:
                let (value, after) = try quoted(rest, at: location)
                items.append(value)
                current = ""
                quotedItem = true
                rest = after.drop { $0 == " " }
                guard rest.first == "," || rest.first == "]" else {
                    throw InputError("expected ',' or ']' after a quoted list item", at: location)
                }
            case "[", "{":
                throw InputError("nested lists and mappings are not supported here; expected [a, b]", at: location)
            default:
                current.append(character)
                rest = rest.dropFirst()
            }
        }
        throw InputError("list opened with '[' is never closed; expected ']'", at: location)
    }

    private static func append(_ raw: String, to items: inout [String], at location: SourceLocation) throws(InputError) {
        let item = raw.trimmingSpaces()
        if !item.isEmpty { items.append(item) }
    }

    /// Reads a quoted scalar at the start of `text`; returns it and what follows the closing quote.
    private static func quoted(_ text: Substring, at location: SourceLocation) throws(InputError) -> (String, Substring) {
        guard let quote = text.first else { return ("", text) }
        var value = ""
        var rest = text.dropFirst()
        while let character = rest.first {
            rest = rest.dropFirst()
            if character == quote {
                if quote == "'" && rest.first == "'" {
                    value.append("'")
                    rest = rest.dropFirst()
                    continue
                }
                return (value, rest)
            }
            if quote == "\"" && character == "\\" {
                guard let escaped = rest.first else { break }
                rest = rest.dropFirst()
                switch escaped {
                case "n": value.append("\n")
                case "t": value.append("\t")
                case "\\": value.append("\\")
                case "\"": value.append("\"")
                case "/": value.append("/")
                default:
                    throw InputError("unknown escape '\\\(escaped)' in a double-quoted value", at: location)
                }
                continue
            }
            value.append(character)
        }
        throw InputError("quoted value is never closed; expected a closing \(quote)", at: location)
    }

    /// Drops a `# comment`: a `#` at the start or after a space.
    static func stripComment(_ text: String) -> String {
        var previous: Character = " "
        for index in text.indices {
            let character = text[index]
            if character == "#" && (previous == " " || previous == "\t") {
                return String(text[..<index])
            }
            previous = character
        }
        return text
    }
}
