/// A workstream file decoded into lines: UTF-8 checked, a byte-order mark dropped, CRLF line
/// ends accepted.
struct SourceText {
    /// The lines, without their line ends.
    var lines: [Substring]

    /// Decodes `bytes`.
    ///
    /// - Throws: ``InputError`` naming the first line that is not valid UTF-8 or holds a NUL byte.
    init(bytes: [UInt8], file: String) throws(InputError) {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        // The common case in one pass: the whole file validated at once and its lines cut from
        // one string. Only a file with a fault is read line by line, to name the line.
        if !body.contains(0), let text = String(validating: body, as: UTF8.self) {
            lines = Self.lines(of: text)
        } else {
            lines = try Self.linesCheckedOneByOne(body, file: file)
        }
    }

    /// The lines of `text`, cut at each LF, a CR at the end of each dropped, an empty last one
    /// dropped: what ``linesCheckedOneByOne(_:file:)`` makes of the same bytes.
    static func lines(of text: String) -> [Substring] {
        var lines: [Substring] = []
        let utf8 = text.utf8
        var start = utf8.startIndex
        var index = start
        while index != utf8.endIndex {
            if utf8[index] == 0x0A {
                lines.append(line(text, from: start, to: index))
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        // What follows the last LF, as the line-by-line split sees it: dropped when empty.
        lines.append(line(text, from: start, to: utf8.endIndex))
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// `text[start..<end]` without a CR at its end. A line end is always a character boundary.
    private static func line(_ text: String, from start: String.Index, to end: String.Index) -> Substring {
        var end = end
        if end != start {
            let last = text.utf8.index(before: end)
            if text.utf8[last] == 0x0D { end = last }
        }
        return text[start..<end]
    }

    /// The lines of `body`, each checked and decoded on its own, so that the first faulty one
    /// is named.
    static func linesCheckedOneByOne(_ body: ArraySlice<UInt8>, file: String) throws(InputError) -> [Substring] {
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
        return lines
    }
}
