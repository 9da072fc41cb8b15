import OneshotWorkstreams

/// Walks a subcommand's arguments one at a time: `--flag VALUE`, `--flag=VALUE`, positionals and
/// `--`. Each subcommand's parser asks it for the next argument and, for options, their value.
struct OptionScanner {
    private let arguments: [String]
    private var index = 0
    private var inlineValue: String?
    private var onlyPositionals = false
    /// The subcommand, for messages (`for log`).
    let subcommand: String

    init(_ arguments: [String], subcommand: String) {
        self.arguments = arguments
        self.subcommand = subcommand
    }

    /// One argument: an option (`--tail`, with any `=VALUE` split off) or a positional.
    enum Item: Equatable {
        case option(String)
        case positional(String)
    }

    /// The next argument, or `nil` at the end.
    mutating func next() throws(UsageError) -> Item? {
        if let inlineValue {
            throw UsageError(
                "option \(arguments[index - 1].prefix { $0 != "=" }) takes no value ('\(inlineValue)') for \(subcommand)")
        }
        guard index < arguments.count else { return nil }
        let argument = arguments[index]
        index += 1
        if onlyPositionals || argument == "-" || !argument.hasPrefix("-") { return .positional(argument) }
        if argument == "--" {
            onlyPositionals = true
            return try next()
        }
        if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
            inlineValue = String(argument[argument.index(after: equals)...])
            return .option(String(argument[..<equals]))
        }
        return .option(argument)
    }

    /// The value of the option just returned by ``next()``.
    mutating func value(of option: String) throws(UsageError) -> String {
        if let inlineValue {
            self.inlineValue = nil
            return inlineValue
        }
        guard index < arguments.count else { throw UsageError("option \(option) needs a value") }
        index += 1
        return arguments[index - 1]
    }

    /// The value of `option` as a whole number of at least `minimum`.
    mutating func number(of option: String, minimum: Int) throws(UsageError) -> Int {
        let text = try value(of: option)
        guard let number = Int(text), number >= minimum else {
            throw UsageError("option \(option) takes a whole number of at least \(minimum), not '\(text)'")
        }
        return number
    }

    /// The error for an option this subcommand does not know.
    func unknown(_ option: String) -> UsageError {
        UsageError("unknown option '\(option)' for \(subcommand)")
    }

    /// A feature id given as a positional, validated.
    static func featureID(_ text: String) throws(UsageError) -> String {
        do {
            return try FeatureID(validating: text).rawValue
        } catch {
            throw UsageError(error.message)
        }
    }
}
