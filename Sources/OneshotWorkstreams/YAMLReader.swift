/// Reads the small subset of YAML that oneshot's files use: workstream front matter and
/// `.sdp/config.yml`.
///
/// Supported: `key: value` lines; plain, `'single'` and `"double"` quoted scalars; `# comments`;
/// flow lists `[a, b]` (may span lines); block lists of `- item` lines; block scalars `|` and
/// `>`; indented lines under a key with no value, kept as a ``YAMLBlock`` that the reader of that
/// key reads as a nested mapping or as text. Anything else is a problem naming the line.
public enum YAMLReader {
    /// Reads `lines`, the first of which is line `firstLine` of `file`.
    ///
    /// - Returns: the entries, and every problem found, in line order (a line with a problem is
    ///   left out, so that one pass reports them all).
    public static func entries(_ lines: [Substring], file: String, firstLine: Int = 1) -> (
        entries: [YAMLEntry], problems: [InputError]
    ) {
        var reader = Reader(lines: lines, file: file, firstLine: firstLine)
        reader.read()
        return (reader.entries, reader.problems)
    }

    /// Whether `line` holds nothing but spaces or a comment.
    static func isBlankOrComment(_ line: Substring) -> Bool {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        return trimmed.isEmpty || trimmed.first == "#"
    }

    /// One pass over the lines.
    private struct Reader {
        let lines: [Substring]
        let file: String
        let firstLine: Int
        var index = 0
        var entries: [YAMLEntry] = []
        var problems: [InputError] = []

        mutating func read() {
            while index < lines.count {
                let line = lines[index]
                let number = firstLine + index
                index += 1
                if isBlankOrComment(line) { continue }
                do throws(InputError) {
                    let (key, rest) = try keyAndRest(line, number)
                    let continuation = takeContinuation()
                    entries.append(YAMLEntry(key: key, value: try value(rest, continuation, number), line: number))
                } catch {
                    problems.append(error)
                }
            }
        }

        private func location(_ line: Int) -> SourceLocation { .init(file: file, line: line) }

        private func keyAndRest(_ line: Substring, _ number: Int) throws(InputError) -> (String, String) {
            if line.first == "\t" { throw InputError("tab used for indentation; use spaces", at: location(number)) }
            if line.first == " " {
                throw InputError("unexpected indented line; expected 'key: value' at the start of the line", at: location(number))
            }
            if line.hasPrefix("- ") || line == "-" {
                throw InputError("list item without a key; expected 'key:' on the line above", at: location(number))
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw InputError("expected 'key: value', found '\(line.prefix(60))'", at: location(number))
            }
            let key = String(line[..<colon]).trimmingSpaces()
            // ASCII keys, nearly all of them, spare the Unicode property look-ups.
            guard !key.isEmpty,
                key.utf8.allSatisfy(isPlainKeyByte)
                    || key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." })
            else {
                throw InputError("invalid key '\(key.prefix(60))'; expected letters, digits and '_'", at: location(number))
            }
            return (key, String(line[line.index(after: colon)...]).trimmingSpaces())
        }

        /// An ASCII letter, digit, `_`, `-` or `.`: what `Character.isLetter` and `isNumber`
        /// accept of ASCII.
        private func isPlainKeyByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
                true
            default: false
            }
        }

        /// The lines that belong to the key just read: indented ones, blanks, and `- ` items.
        private mutating func takeContinuation() -> [(text: Substring, number: Int)] {
            var continuation: [(text: Substring, number: Int)] = []
            while index < lines.count {
                let next = lines[index]
                let belongs =
                    next.first == " " || next.first == "\t" || next.hasPrefix("- ") || next == "-"
                    || (isBlankOrComment(next) && index + 1 < lines.count && continues(from: index + 1))
                guard belongs else { break }
                continuation.append((next, firstLine + index))
                index += 1
            }
            return continuation
        }

        /// Whether the first non-blank line from `start` continues the current key.
        private func continues(from start: Int) -> Bool {
            guard let next = lines[start...].first(where: { !isBlankOrComment($0) }) else { return false }
            return next.first == " " || next.first == "\t" || next.hasPrefix("- ")
        }

        private func value(_ rest: String, _ continuation: [(text: Substring, number: Int)], _ line: Int)
            throws(InputError) -> YAMLEntry.Value
        {
            for (text, number) in continuation where text.first == "\t" {
                throw InputError("tab used for indentation; use spaces", at: location(number))
            }
            if rest.hasPrefix("|") || rest.hasPrefix(">") {
                return .scalar(blockScalar(continuation.map(\.text), folded: rest.hasPrefix(">")))
            }
            if rest.hasPrefix("[") {
                var flow = rest
                for (text, _) in continuation { flow += " " + text.trimmingSpaces() }
                return .list(try ScalarSyntax.flowList(flow, at: location(line)))
            }
            let items = continuation.filter { !isBlankOrComment($0.text) }
            if rest.isEmpty || rest.hasPrefix("#") {
                guard !items.isEmpty else { return .scalar(nil) }
                guard items.allSatisfy({ $0.text.trimmingLeadingSpaces().hasPrefix("-") }) else {
                    return .block(YAMLBlock(lines: continuation))
                }
                var list: [String] = []
                for (text, number) in items {
                    let item = String(text.trimmingLeadingSpaces().dropFirst()).trimmingSpaces()
                    if let value = try ScalarSyntax.scalar(item, at: location(number)) { list.append(value) }
                }
                return .list(list)
            }
            let scalar = try ScalarSyntax.scalar(rest, at: location(line))
            if items.isEmpty { return .scalar(scalar) }
            return .scalar(([scalar ?? ""] + items.map { $0.text.trimmingSpaces() }).joined(separator: " "))
        }

        private func blockScalar(_ lines: [Substring], folded: Bool) -> String {
            let indent =
                lines.filter { !$0.allSatisfy { $0 == " " } }
                .map { $0.prefix { $0 == " " }.count }.min() ?? 0
            let body = lines.map { $0.count >= indent ? String($0.dropFirst(indent)) : "" }
            var trimmed = body
            while trimmed.last == "" { trimmed.removeLast() }
            return trimmed.joined(separator: folded ? " " : "\n")
        }
    }
}
