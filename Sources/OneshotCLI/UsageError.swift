/// A command line oneshot cannot act on: printed as `oneshot: error:` lines and a hint, exit
/// code 2.
///
/// As swift-argument-parser's `ParserError`, each kind of mistake is a case carrying what its
/// message needs, and every message and the exit code are written here, once.
public struct UsageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong.
    public enum Kind: Sendable, Equatable {
        /// An option the subcommand does not take, and the closest one it takes, if one is close.
        case unknownOption(String, subcommand: HelpTopic, suggestion: String?)
        /// An option given without the value it takes: last, or with an empty one.
        case missingValue(option: String)
        /// `--json=yes`: a value given to an option that takes none.
        case unexpectedValue(option: String, value: String, subcommand: HelpTopic)
        /// A value that the option, variable or configuration line named `source` does not take;
        /// `expected` says what it takes (`a duration such as 90s`).
        case invalidValue(source: String, value: String, expected: String)
        /// An argument the subcommand does not take; `expected` says what it takes.
        case unexpectedArgument(String, expected: String)
        /// A required argument (`feature id`) is missing; `example` shows a whole command line.
        case missingArgument(String, example: String)
        /// Two options that exclude each other.
        case conflictingOptions(String, String)
        /// Any other problem, as a sentence.
        case other(String)
    }

    /// What is wrong.
    public var kind: Kind
    /// Further problems found in the same pass (every bad line of a configuration file).
    public var more: [UsageError] = []

    /// Creates an error of `kind`.
    public init(_ kind: Kind, more: [UsageError] = []) {
        self.kind = kind
        self.more = more
    }

    /// Creates an error whose message is `message`.
    public init(_ message: String, more: [UsageError] = []) {
        self.init(.other(message), more: more)
    }

    /// The exit code of every usage error: the input cannot be acted on.
    public var exitCode: ExitCode { ExitCode(self) }

    /// The line printed after the messages.
    public var hint: String { "see 'oneshot --help'" }

    /// Every problem, the first one first: one `oneshot: error:` line each.
    public var messages: [String] { [message] + more.flatMap(\.messages) }

    /// The first problem's message, on one line: control characters in what the user gave
    /// (a newline in an argument) are escaped.
    public var message: String { OneLine.escaped(unescaped) }

    private var unescaped: String {
        switch kind {
        case .unknownOption(let option, let subcommand, let suggestion):
            "unknown option '\(option)'\(subcommand == .run ? "" : " for \(subcommand.rawValue)")"
                + (suggestion.map { "; did you mean '\($0)'?" } ?? "")
        case .missingValue(let option): "option \(option) needs a value"
        case .unexpectedValue(let option, let value, let subcommand):
            "option \(option) takes no value ('\(value)') for \(subcommand.rawValue)"
        case .invalidValue(let source, let value, let expected): "\(source) takes \(expected), not '\(value)'"
        case .unexpectedArgument(let argument, let expected): "unexpected argument '\(argument)'; \(expected)"
        case .missingArgument(let what, let example): "missing \(what), e.g. '\(example)'"
        case .conflictingOptions(let first, let second): "\(first) and \(second) cannot be used together"
        case .other(let message): message
        }
    }

    /// The message.
    public var description: String { message }

    /// Two errors are equal when they print the same lines, however they were made.
    public static func == (lhs: UsageError, rhs: UsageError) -> Bool { lhs.messages == rhs.messages }
}
