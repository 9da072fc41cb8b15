/// A place in a workstream file, for error messages: `features/F052/ws-03.md:4`.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file's path as the user would type it (relative to the project root when possible).
    public var file: String
    /// The 1-based line number, or `nil` when the message is about the whole file.
    public var line: Int?

    /// Creates a location.
    public init(file: String, line: Int? = nil) {
        self.file = file
        self.line = line
    }

    /// `file:line`, or `file` alone.
    public var description: String {
        line.map { "\(file):\($0)" } ?? file
    }
}
