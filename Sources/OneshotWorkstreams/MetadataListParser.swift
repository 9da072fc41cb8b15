import Foundation

/// Reads the `## Metadata` bullet list of the original workstream files:
///
/// ```
/// ## Metadata
/// - **ws_id**: 00-052-14
/// - **title:** Checkpoint Atomic Writes
/// - **dependencies**: 00-052-13
/// ```
///
/// Bullets run until the next heading. Both `**key**:` and `**key:**` are accepted, as is a
/// plain `key:`; values may be wrapped in backticks. Prose and bullets without a key are skipped.
struct MetadataListParser {
    let file: String

    /// The fields of the first `## Metadata` section in `lines[from...]`, or `nil` if none.
    func parse(_ lines: [Substring], from start: Int) -> [RawField]? {
        guard let heading = lines.indices.dropFirst(start).first(where: { isMetadataHeading(lines[$0]) }) else {
            return nil
        }
        var fields: [RawField] = []
        var index = heading + 1
        while index < lines.count, !lines[index].trimmingLeadingSpaces().hasPrefix("#") {
            if let field = field(from: lines[index], line: index + 1) { fields.append(field) }
            index += 1
        }
        return fields
    }

    private func isMetadataHeading(_ line: Substring) -> Bool {
        let trimmed = line.trimmingSpaces()
        guard trimmed.hasPrefix("#") else { return false }
        return trimmed.drop { $0 == "#" }.trimmingSpaces().lowercased() == "metadata"
    }

    private func field(from line: Substring, line number: Int) -> RawField? {
        let trimmed = line.trimmingLeadingSpaces()
        guard let bullet = trimmed.first, "-*+".contains(bullet), trimmed.dropFirst().first == " " else { return nil }
        var text = trimmed.dropFirst(2).trimmingSpaces()
        var key: String
        if text.hasPrefix("**") || text.hasPrefix("__") {
            let marker = String(text.prefix(2))
            let inner = text.dropFirst(2)
            guard let close = inner.range(of: marker) else { return nil }
            key = String(inner[..<close.lowerBound])
            text = String(inner[close.upperBound...])
            if key.hasSuffix(":") {
                key.removeLast()
            } else {
                guard text.hasPrefix(":") else { return nil }
                text.removeFirst()
            }
        } else {
            guard let colon = text.firstIndex(of: ":") else { return nil }
            key = String(text[..<colon])
            text = String(text[text.index(after: colon)...])
        }
        let normalisedKey = key.trimmingSpaces().lowercased().replacingSpaces(with: "_")
        guard !normalisedKey.isEmpty, normalisedKey.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            return nil
        }
        let value = unwrap(text.trimmingSpaces())
        return RawField(key: normalisedKey, value: .scalar(value.isEmpty ? nil : value), line: number)
    }

    private func unwrap(_ value: String) -> String {
        var value = value
        for pair in [("`", "`"), ("\"", "\""), ("'", "'")]
        where value.count >= 2 && value.hasPrefix(pair.0) && value.hasSuffix(pair.1) {
            value = String(value.dropFirst().dropLast())
        }
        return value.trimmingSpaces()
    }
}

extension String {
    func replacingSpaces(with replacement: Character) -> String {
        String(map { $0 == " " ? replacement : $0 })
    }
}
