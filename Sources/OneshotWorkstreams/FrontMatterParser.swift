/// Reads the YAML front matter between `---` lines: the small subset workstream files use.
///
/// Supported: `key: value` at the top level; plain, `'single'` and `"double"` quoted scalars;
/// `# comments`; flow lists `[a, b]` (may span lines); block lists of `- item` lines; block
/// scalars `|` and `>`. Nested mappings under keys oneshot does not know are skipped, as real
/// files carry many. Anything else is an error naming the line.
struct FrontMatterParser {
    let file: String

    /// Finds the front matter at the start of `lines`.
    ///
    /// - Returns: the fields and the index of the first line after the closing `---`, or `nil`
    ///   when the file does not open with `---`.
    func parse(_ lines: [Substring]) throws(InputError) -> (fields: [RawField], bodyStart: Int)? {
        guard let first = lines.first, first.trimmingTrailingSpaces() == "---" else { return nil }
        guard
            let close = lines.indices.dropFirst().first(where: {
                let line = lines[$0].trimmingTrailingSpaces()
                return line == "---" || line == "..."
            })
        else {
            throw InputError("front matter opened with '---' is never closed; expected a closing '---' line", at: location(1))
        }
        let fields = try parseEntries(Array(lines[1..<close]), firstLine: 2)
        return (fields, close + 1)
    }

    private func location(_ line: Int) -> SourceLocation { .init(file: file, line: line) }

    private func parseEntries(_ lines: [Substring], firstLine: Int) throws(InputError) -> [RawField] {
        var fields: [RawField] = []
        var index = 0
        while index < lines.count {
            let line = lines[index]
            let lineNumber = firstLine + index
            index += 1
            if isBlankOrComment(line) { continue }
            if line.first == "\t" {
                throw InputError("tab used for indentation; YAML allows spaces only", at: location(lineNumber))
            }
            if line.first == " " {
                throw InputError(
                    "unexpected indented line; expected 'key: value' at the start of the line", at: location(lineNumber))
            }
            if line.hasPrefix("- ") || line == "-" {
                throw InputError("list item without a key; expected 'key:' on the line above", at: location(lineNumber))
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw InputError("expected 'key: value', found '\(line.prefix(60))'", at: location(lineNumber))
            }
            let key = String(line[..<colon]).trimmingSpaces()
            guard !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else {
                throw InputError("invalid key '\(key.prefix(60))'; expected letters, digits and '_'", at: location(lineNumber))
            }
            let rest = String(line[line.index(after: colon)...]).trimmingSpaces()
            // The lines that belong to this key: indented ones, blanks, and `- ` items.
            var continuation: [(Substring, Int)] = []
            while index < lines.count {
                let next = lines[index]
                let belongs =
                    next.first == " " || next.first == "\t" || next.hasPrefix("- ") || next == "-"
                    || (isBlankOrComment(next) && index + 1 < lines.count && continues(lines, from: index + 1))
                guard belongs else { break }
                continuation.append((next, firstLine + index))
                index += 1
            }
            let value = try parseValue(rest, continuation: continuation, line: lineNumber)
            fields.append(RawField(key: key, value: value, line: lineNumber))
        }
        return fields
    }

    /// Whether the first non-blank line from `index` continues the current key.
    private func continues(_ lines: [Substring], from index: Int) -> Bool {
        guard let next = lines[index...].first(where: { !isBlankOrComment($0) }) else { return false }
        return next.first == " " || next.first == "\t" || next.hasPrefix("- ")
    }

    private func isBlankOrComment(_ line: Substring) -> Bool {
        let trimmed = line.drop { $0 == " " || $0 == "\t" }
        return trimmed.isEmpty || trimmed.first == "#"
    }

    private func parseValue(_ rest: String, continuation: [(Substring, Int)], line: Int) throws(InputError) -> RawField.Value {
        for (text, number) in continuation where text.first == "\t" {
            throw InputError("tab used for indentation; YAML allows spaces only", at: location(number))
        }
        if rest.hasPrefix("|") || rest.hasPrefix(">") {
            return .scalar(blockScalar(continuation.map(\.0), folded: rest.hasPrefix(">")))
        }
        if rest.hasPrefix("[") {
            var flow = rest
            for (text, _) in continuation { flow += " " + text.trimmingSpaces() }
            return .list(try ScalarSyntax.flowList(flow, at: location(line)))
        }
        if rest.isEmpty || rest.hasPrefix("#") {
            let items = continuation.filter { !isBlankOrComment($0.0) }
            guard !items.isEmpty else { return .scalar(nil) }
            if items.allSatisfy({ $0.0.trimmingLeadingSpaces().hasPrefix("-") }) {
                var list: [String] = []
                for (text, number) in items {
                    let item = String(text.trimmingLeadingSpaces().dropFirst()).trimmingSpaces()
                    if let value = try ScalarSyntax.scalar(item, at: location(number)) { list.append(value) }
                }
                return .list(list)
            }
            // A nested mapping or a multi-line plain scalar: kept as text, used only by keys that
            // accept it; unknown keys ignore it.
            return .scalar(items.map { $0.0.trimmingSpaces() }.joined(separator: " "))
        }
        let scalar = try ScalarSyntax.scalar(rest, at: location(line))
        let extra = continuation.filter { !isBlankOrComment($0.0) }.map { $0.0.trimmingSpaces() }
        if extra.isEmpty { return .scalar(scalar) }
        return .scalar(([scalar ?? ""] + extra).joined(separator: " "))
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

extension Substring {
    func trimmingTrailingSpaces() -> Substring {
        var result = self
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }

    func trimmingLeadingSpaces() -> Substring {
        drop { $0 == " " || $0 == "\t" }
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        String(self).trimmingSpaces()
    }
}
