extension HelpText {
    /// The width every line of the help fits in.
    static let width = 80
    /// The longest label the description column is aligned after; a longer one has its
    /// description on the lines below it.
    private static let longestAlignedLabel = 22

    /// The option sections of `topic`'s help, written from the option table
    /// (``CommandOption/all``): one line or more per option, its names, value, what it does
    /// and its default. The run's options are listed by group, a subcommand's own options
    /// first elsewhere; `config` lists the run options it passes on by name only.
    static func options(for topic: HelpTopic) -> String {
        let accepted = CommandOption.accepted(by: topic)
        switch topic {
        case .run:
            let column = column(for: accepted)
            return OptionGroup.allCases.compactMap { group in
                let members = accepted.filter { $0.group == group }
                guard !members.isEmpty else { return nil }
                return section(group.heading, members, for: topic, column: column)
            }.joined(separator: "\n\n")
        case .config:
            let own = accepted.filter(CommandOption.configOwn.contains)
            let passed = accepted.filter { !CommandOption.configOwn.contains($0) }
            let names = wrap(passed.flatMap(\.names).joined(separator: " "), width: width - 2).map { "  \($0)" }
            return section("OPTIONS", particularFirst(own), for: topic, column: column(for: own))
                + "\n\nRUN OPTIONS (as 'oneshot --help' describes them)\n" + names.joined(separator: "\n")
        default:
            return section("OPTIONS", particularFirst(accepted), for: topic, column: column(for: accepted))
        }
    }

    /// The options particular to a subcommand before those many take (`-C`, `--help`), in the
    /// table's order otherwise.
    private static func particularFirst(_ options: [CommandOption]) -> [CommandOption] {
        options.enumerated().sorted { ($0.element.subcommands.count, $0.offset) < ($1.element.subcommands.count, $1.offset) }
            .map(\.element)
    }

    /// Where descriptions start: after the longest label that is aligned, and two spaces.
    private static func column(for options: [CommandOption]) -> Int {
        2 + min(options.map { label(of: $0).count }.max() ?? 0, longestAlignedLabel) + 2
    }

    private static func section(_ heading: String, _ options: [CommandOption], for topic: HelpTopic, column: Int) -> String {
        ([heading] + options.flatMap { entry($0, for: topic, column: column) }).joined(separator: "\n")
    }

    /// `-j, --jobs N`, `--color auto|always|never`, `--dry-run`.
    static func label(of option: CommandOption) -> String {
        let short = option.names.filter { !$0.hasPrefix("--") }
        let long = option.names.filter { $0.hasPrefix("--") }
        let value = option.choices.isEmpty ? option.valueName : option.choices.joined(separator: "|")
        return (short + long).joined(separator: ", ") + (value.map { " \($0)" } ?? "")
    }

    /// The lines of one option: its label, then what it does and its default.
    private static func entry(_ option: CommandOption, for topic: HelpTopic, column: Int) -> [String] {
        let text = option.abstract(for: topic) + (option.defaultValue.map { " (default: \($0))" } ?? "")
        return row("  " + label(of: option), text, column: column)
    }

    /// `label`, then `text` wrapped at ``width`` and indented to `column`, on the label's line
    /// when the label leaves room.
    static func row(_ label: String, _ text: String, column: Int) -> [String] {
        let indent = String(repeating: " ", count: column)
        let lines = wrap(text, width: width - column).map { indent + $0 }
        guard label.count + 2 <= column, let first = lines.first else { return [label] + lines }
        return [label.padding(to: column) + first.dropFirst(column)] + lines.dropFirst()
    }

    /// `oneshot config --help`'s settings: key, flag and what each is, from ``Setting/all``.
    static var settingsTable: String {
        Setting.all.flatMap { row("  \($0.key.padding(to: 20))\($0.flag)", $0.summary, column: 45) }.joined(separator: "\n")
    }

    /// The exit codes and what each means, from ``ExitCode``.
    static var exitCodesTable: String {
        ExitCode.allCases.flatMap { row("  \($0.rawValue)", $0.meaning, column: 7) }.joined(separator: "\n")
    }

    /// `text` in lines of at most `width` characters, broken between words (a word longer than
    /// the width has a line of its own).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if line.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        return line.isEmpty ? lines : lines + [line]
    }
}
