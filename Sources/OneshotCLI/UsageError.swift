/// A command line oneshot cannot act on. Printed with a hint, exit code 2.
public struct UsageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// Further problems found in the same pass (every bad line of a configuration file), one
    /// message each.
    public var more: [String] = []

    /// Creates an error.
    public init(_ message: String, more: [String] = []) {
        self.message = message
        self.more = more
    }

    /// Every problem, the first one first: one `oneshot: error:` line each.
    public var messages: [String] { [message] + more }

    /// The message.
    public var description: String { message }
}
