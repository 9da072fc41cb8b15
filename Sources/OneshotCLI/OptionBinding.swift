/// Where one option of a subcommand puts its value: a subcommand's parser is a list of these,
/// read by ``OptionScanner/parse(_:for:into:_:finish:)``.
struct OptionBinding<Arguments> {
    /// The option, from ``CommandOption/all``.
    let option: CommandOption
    /// Stores the option's value (`nil` for a switch) given by `name` into the arguments.
    let apply: (inout Arguments, _ name: String, _ value: String?) throws(UsageError) -> Void

    /// A switch that sets `field`.
    static func flag(_ option: CommandOption, _ field: WritableKeyPath<Arguments, Bool>) -> Self {
        Self(option: option) { arguments, _, _ in arguments[keyPath: field] = true }
    }

    /// An option whose text is `field`.
    static func text(_ option: CommandOption, _ field: WritableKeyPath<Arguments, String?>) -> Self {
        Self(option: option) { arguments, _, value in arguments[keyPath: field] = value }
    }

    /// An option whose value is a whole number of at least `minimum`.
    static func number(_ option: CommandOption, _ field: WritableKeyPath<Arguments, Int?>, minimum: Int) -> Self {
        Self(option: option) { arguments, name, value throws(UsageError) in
            let text = value ?? ""
            guard let number = Int(text), number >= minimum else {
                throw UsageError(.invalidValue(source: name, value: text, expected: "a whole number of at least \(minimum)"))
            }
            arguments[keyPath: field] = number
        }
    }

    /// `--rerun`, `--only` and `--assume-deps-done` into the selection at `field`.
    static func selection(_ field: WritableKeyPath<Arguments, TargetArguments>) -> [Self] {
        [CommandOption.rerun, .only, .assumeDepsDone].map { option in
            Self(option: option) { arguments, _, value in _ = arguments[keyPath: field].take(option, value: value) }
        }
    }
}
