/// A file name as the folder's bytes, shown as text: the UTF-8 in it as is, each byte that is not
/// part of valid UTF-8 as `\xFF`, so that a message names exactly the file at fault.
public enum ByteName {
    /// `bytes` as text, invalid UTF-8 written as `\xHH`.
    public static func text(_ bytes: some Collection<UInt8>) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var text = ""
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var remaining = Array(bytes)[...]
        loop: while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                text.unicodeScalars.append(Unicode.UTF8.decode(encoded))
                remaining = remaining.dropFirst(encoded.count)
            case .error(let length):
                for byte in remaining.prefix(length) { text += "\\x" + hex(byte) }
                remaining = remaining.dropFirst(length)
            case .emptyInput:
                break loop
            }
        }
        return text
    }

    /// The bytes of `text` as a name (its UTF-8).
    public static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    private static func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16, uppercase: true)
        return byte < 16 ? "0" + digits : digits
    }
}
