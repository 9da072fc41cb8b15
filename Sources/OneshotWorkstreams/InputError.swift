/// One problem with the input: a workstream file, the graph it forms, or a feature id.
///
/// The message says what was found and what was expected; the location names the file and line.
public struct InputError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is, if it is in a file.
    public var location: SourceLocation?
    /// What is wrong, in a sentence a person can act on.
    public var message: String

    /// Creates an error at `location`.
    public init(_ message: String, at location: SourceLocation? = nil) {
        self.message = message
        self.location = location
    }

    /// `"features/F052/a.md:3: expected …"`.
    public var description: String {
        location.map { "\($0): \(message)" } ?? message
    }
}

/// Every problem found in a feature's input, reported together so a user can fix them in one go.
public struct InputErrors: Error, Sendable, CustomStringConvertible {
    /// The problems, in file order.
    public var errors: [InputError]

    /// Wraps `errors`, which must not be empty.
    public init(_ errors: [InputError]) {
        self.errors = errors
    }

    /// One line per problem.
    public var description: String {
        errors.map(\.description).joined(separator: "\n")
    }
}
