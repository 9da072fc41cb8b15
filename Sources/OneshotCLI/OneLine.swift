/// Keeps what oneshot prints about an input on one line: an id, a path or a value typed with a
/// newline, a tab or an escape sequence in it is shown with each control character written as
/// `\u{a}`, so that an error stays one line naming exactly what was given, and no input can
/// move the cursor or fake a line of its own on the terminal.
enum OneLine {
    /// `text` with each control character (C0, DEL) written as `\u{…}`.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        return text.unicodeScalars.map { isControl($0) ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool { scalar.value < 0x20 || scalar.value == 0x7f }
}
