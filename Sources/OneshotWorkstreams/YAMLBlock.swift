/// The indented lines under a key that has no value on its own line (``YAMLEntry/Value/block(_:)``).
public struct YAMLBlock: Sendable, Equatable {
    /// The lines, indentation kept, each with its 1-based line number; blank and comment lines
    /// included.
    let lines: [(text: Substring, number: Int)]

    /// The lines' text, trimmed and joined by spaces, blank and comment lines left out: the value
    /// of a key that takes text.
    public var text: String {
        lines.map(\.text).filter { !YAMLReader.isBlankOrComment($0) }.map { $0.trimmingSpaces() }.joined(separator: " ")
    }

    /// The lines read as a nested mapping, one level in.
    ///
    /// - Parameter file: the file, for the problems' locations.
    /// - Returns: the entries, and every problem found (a line with a problem is left out).
    public func entries(file: String) -> (entries: [YAMLEntry], problems: [InputError]) {
        let indent =
            lines.map(\.text).filter { !YAMLReader.isBlankOrComment($0) }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
        let dedented = lines.map { line in
            YAMLReader.isBlankOrComment(line.text)
                ? Substring("") : line.text.dropFirst(min(indent, line.text.prefix { $0 == " " }.count))
        }
        return YAMLReader.entries(dedented, file: file, firstLine: lines.first?.number ?? 1)
    }

    /// Equal when they hold the same lines.
    public static func == (lhs: YAMLBlock, rhs: YAMLBlock) -> Bool {
        lhs.lines.map(\.text) == rhs.lines.map(\.text) && lhs.lines.map(\.number) == rhs.lines.map(\.number)
    }
}
