/// Reads the YAML front matter between `---` lines with ``YAMLReader``: nested mappings under
/// keys oneshot does not know are skipped, as real files carry many; a known key given indented
/// lines takes them as text. The first problem is the error.
struct FrontMatterParser {
    let file: String

    /// Finds the front matter at the start of `lines`.
    ///
    /// - Returns: the fields and the index of the first line after the closing `---`, or `nil`
    ///   when the file does not open with `---`.
    func parse(_ lines: [Substring]) throws(InputError) -> (fields: [RawField], bodyStart: Int)? {
        guard let first = lines.first, first.trimmingTrailingSpaces() == "---" else {
            // Lines cut at CR only (classic Mac) make the whole file one line: without this the
            // workstream would be skipped silently as a file that declares none.
            if let first = lines.first, first.hasPrefix("---\r") {
                throw InputError(
                    "line ends are CR only, so the front matter cannot be read; save the file with LF (or CRLF) line ends",
                    at: .init(file: file, line: 1))
            }
            return nil
        }
        guard
            let close = lines.indices.dropFirst().first(where: {
                let line = lines[$0].trimmingTrailingSpaces()
                return line == "---" || line == "..."
            })
        else {
            throw InputError(
                "front matter opened with '---' is never closed; expected a closing '---' line", at: .init(file: file, line: 1))
        }
        let read = YAMLReader.entries(Array(lines[1..<close]), file: file, firstLine: 2)
        if let problem = read.problems.first { throw problem }
        let fields = read.entries.map { entry in
            switch entry.value {
            case .scalar(let value): RawField(key: entry.key, value: .scalar(value), line: entry.line)
            case .list(let items): RawField(key: entry.key, value: .list(items), line: entry.line)
            case .block(let block): RawField(key: entry.key, value: .scalar(block.text), line: entry.line)
            }
        }
        return (fields, close + 1)
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

extension Substring {
    /// As ``Swift/String/trimmingSpaces()``, without copying the whole substring first.
    func trimmingSpaces() -> String {
        let utf8 = self.utf8
        guard let start = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
            let last = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })
        else { return "" }
        return String(Substring(utf8[start...last]))
    }
}
