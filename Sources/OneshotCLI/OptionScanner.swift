import OneshotWorkstreams

/// Reads a subcommand's arguments against the option table (``CommandOption/all``): options as
/// `--flag VALUE`, `--flag=VALUE` or `-xVALUE`, positionals, and `--` before positionals only.
/// Every subcommand's parser asks it for the next item; the scanner alone decides what is an
/// option, reads its value and writes the errors for unknown options and missing or unexpected
/// values.
struct OptionScanner {
    private let arguments: [String]
    private var index = 0
    private var onlyPositionals = false
    /// The subcommand whose options are accepted, for messages (`for log`).
    let subcommand: HelpTopic

    init(_ arguments: [String], for subcommand: HelpTopic) {
        self.arguments = arguments
        self.subcommand = subcommand
    }

    /// One argument: an option with the name it was given by and its value, or a positional.
    enum Item: Equatable {
        /// An option; `value` is set exactly when it takes one.
        case option(CommandOption, name: String, value: String?)
        /// An argument that is not an option.
        case positional(String)
    }

    /// The next argument, or `nil` at the end.
    ///
    /// - Throws: ``UsageError`` for an option the subcommand does not take, an option without
    ///   its value (or with an empty one), or a value given to a switch.
    mutating func next() throws(UsageError) -> Item? {
        guard index < arguments.count else { return nil }
        let argument = arguments[index]
        index += 1
        if onlyPositionals || argument == "-" || !argument.hasPrefix("-") { return .positional(argument) }
        if argument == "--" {
            onlyPositionals = true
            return try next()
        }
        let (name, inline) = split(argument)
        guard let option = CommandOption.named(name, for: subcommand) else {
            throw UsageError(.unknownOption(name, subcommand: subcommand, suggestion: suggestion(for: name)))
        }
        guard option.takesValue else {
            if let inline { throw UsageError(.unexpectedValue(option: name, value: inline, subcommand: subcommand)) }
            return .option(option, name: name, value: nil)
        }
        let value: String
        if let inline {
            value = inline
        } else {
            guard index < arguments.count else { throw UsageError(.missingValue(option: name)) }
            value = arguments[index]
            index += 1
        }
        // An empty value (`--trace=`, `-C ""`) names nothing: refused here rather than taken as a
        // path, a folder or a template that fails later, or not at all.
        guard !value.isEmpty else { throw UsageError(.missingValue(option: name)) }
        return .option(option, name: name, value: value)
    }

    /// `--tail=5` is `--tail` and `5`; `-n5` is `-n` and `5` when `-n` takes a value.
    private func split(_ argument: String) -> (name: String, value: String?) {
        if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
            return (String(argument[..<equals]), String(argument[argument.index(after: equals)...]))
        }
        let short = String(argument.prefix(2))
        if !argument.hasPrefix("--"), argument.count > 2, CommandOption.named(short, for: subcommand)?.takesValue == true {
            return (short, String(argument.dropFirst(2)))
        }
        return (argument, nil)
    }

    /// The subcommand's option closest to the unknown `name`, if one is a few edits away.
    private func suggestion(for name: String) -> String? {
        ClosestName.closest(to: name, among: CommandOption.accepted(by: subcommand).flatMap(\.names))
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

extension OptionScanner {
    /// Parses all of `arguments` for `subcommand`: each option through its binding into
    /// `initial`, each positional into a list that `finish` checks with the arguments read;
    /// `--help` (and the run's `--version`) stop the parsing and are the invocation.
    ///
    /// - Throws: ``UsageError`` for an unknown option, a missing or unexpected value, or a value
    ///   a binding or `finish` refuses.
    static func parse<Arguments>(
        _ arguments: [String], for subcommand: HelpTopic, into initial: Arguments, _ bindings: [OptionBinding<Arguments>],
        finish: (inout Arguments, [String]) throws(UsageError) -> Invocation
    ) throws(UsageError) -> Invocation {
        var scanner = OptionScanner(arguments, for: subcommand)
        var result = initial
        var positional: [String] = []
        while let item = try scanner.next() {
            switch item {
            case .option(.help, _, _): return .help(subcommand)
            case .option(.version, _, _): return .version
            case .option(let option, let name, let value):
                guard let binding = bindings.first(where: { $0.option == option }) else {
                    // The table gives the subcommand an option its parser does not bind: the
                    // tests of every subcommand's options rule this out.
                    throw UsageError(.unknownOption(name, subcommand: subcommand, suggestion: nil))
                }
                try binding.apply(&result, name, value)
            case .positional(let text): positional.append(text)
            }
        }
        return try finish(&result, positional)
    }
}
