/// Text made into one word of `/bin/sh`'s language, whatever it holds: for the commands oneshot
/// runs and the command lines it prints for people to run.
public enum ShellWord {
    /// `text` in single quotes, each `'` in it written `'\''`: the shell reads back exactly
    /// `text` as one word, with nothing expanded.
    ///
    /// Written byte by byte: Foundation's `replacingOccurrences` bridged every call through
    /// `NSString` and cost about 25 µs of each attempt's launch. A `'` (0x27) never occurs
    /// inside a multi-byte UTF-8 sequence, so replacing bytes replaces characters.
    public static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count + 2)
        bytes.append(UInt8(ascii: "'"))
        for byte in text.utf8 {
            if byte == UInt8(ascii: "'") {
                bytes.append(contentsOf: [UInt8(ascii: "'"), UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "'")])
            } else {
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "'"))
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `text` as it is when it holds only characters no shell treats specially (letters,
    /// digits, `._-/+@%:,=`), else ``quoted(_:)``: the shortest word that reads back as `text`.
    public static func word(_ text: String) -> String {
        !text.isEmpty && text.unicodeScalars.allSatisfy(plain.contains) ? text : quoted(text)
    }

    private static let plain = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/+@%:,=".unicodeScalars)
}
