/// Text made safe for the report, which is both HTML and well-formed XML: the five markup
/// characters as entities, and what XML 1.0 cannot hold at all (control characters, U+FFFE,
/// U+FFFF — a log may hold anything) as visible stand-ins.
enum Markup {
    /// `text` escaped for an element's content or a quoted attribute.
    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            case "\t", "\n": escaped.unicodeScalars.append(scalar)
            case "\r": escaped += "\u{240D}"
            case _ where scalar.value < 0x20:
                // U+2400…: the control pictures, ␛ for ESC.
                escaped.unicodeScalars.append(Unicode.Scalar(0x2400 + scalar.value) ?? "\u{FFFD}")
            case "\u{FFFE}", "\u{FFFF}": escaped += "\u{FFFD}"
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// `text` cut to `limit` characters, with an ellipsis when cut.
    static func elide(_ text: String, to limit: Int) -> String? {
        guard limit > 0 else { return nil }
        guard text.count > limit else { return text }
        guard limit > 1 else { return nil }
        return String(text.prefix(limit - 1)) + "\u{2026}"
    }
}
