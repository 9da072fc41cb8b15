/// A workstream file decoded into lines: UTF-8 checked line by line, a byte-order mark
/// dropped, CRLF line ends accepted.
struct SourceText {
    /// The lines, without their line ends.
    var lines: [Substring]

    /// Decodes `bytes`.
    ///
    /// - Throws: ``InputError`` naming the first line that is not valid UTF-8 or holds a NUL byte.
    init(bytes: [UInt8], file: String) throws(InputError) {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        var lines: [Substring] = []
        var lineNumber = 0
        for var line in body.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.last == 0x0D { line = line.dropLast() }
            if line.contains(0) {
                throw InputError("NUL byte in a text file; expected UTF-8 Markdown", at: .init(file: file, line: lineNumber))
            }
            guard let decoded = String(validating: line, as: UTF8.self) else {
                throw InputError("not valid UTF-8; save the file as UTF-8", at: .init(file: file, line: lineNumber))
            }
            lines.append(Substring(decoded))
        }
        if lines.last == "" { lines.removeLast() }
        self.lines = lines
    }
}
