import OneshotWorkstreams

/// One option of oneshot's command line: its names, its value, the subcommands that accept it
/// and how the help describes it. ``all`` is the one table every subcommand is read against (by
/// ``OptionScanner``) and that the help's option sections and the shell completions are written
/// from, so a flag cannot be known to one and unknown to another.
struct CommandOption: Sendable, Equatable {
    /// Every name: the long one first (`--directory`), then any short one (`-C`).
    let names: [String]
    /// What the help calls its value (`N`, `DIR`); `nil` for a switch.
    let valueName: String?
    /// The subcommands that accept it.
    let subcommands: Set<HelpTopic>
    /// The section of the run's help it is listed in.
    let group: OptionGroup
    /// One line (wrapped by the help) saying what it does.
    let abstract: String
    /// What it does for a subcommand where ``abstract`` says it otherwise (`-o` of `trace`).
    var abstracts: [HelpTopic: String] = [:]
    /// The value it has when not given, shown as `(default: …)`.
    var defaultValue: String? = nil
    /// The only values it takes, which completions offer (`--color auto|always|never`).
    var choices: [String] = []

    /// Whether the option takes a value (`--tail 5`, `--tail=5`, `-n5`).
    var takesValue: Bool { valueName != nil }

    /// The name messages and completions use first.
    var name: String { names[0] }

    /// What it does for `subcommand`.
    func abstract(for subcommand: HelpTopic) -> String { abstracts[subcommand] ?? abstract }

    /// Equal when they are the same option: names are unique in the table.
    static func == (lhs: CommandOption, rhs: CommandOption) -> Bool { lhs.names == rhs.names }

    /// The options `subcommand` accepts.
    static func accepted(by subcommand: HelpTopic) -> [CommandOption] {
        all.filter { $0.subcommands.contains(subcommand) }
    }

    /// The option named `name` (`-C` or `--directory`) that `subcommand` accepts, if any.
    static func named(_ name: String, for subcommand: HelpTopic) -> CommandOption? {
        all.first { $0.names.contains(name) && $0.subcommands.contains(subcommand) }
    }

    /// The options `config` reads itself; it passes every other run option on to be read as a
    /// run's, to show how they combine with the file.
    static let configOwn: [CommandOption] = [help, json, directory]

    /// The table, in the order the run's help lists it: the options of ``listed``, then one for
    /// each run ``Setting`` none of them names, so a new setting cannot miss its flag, its help
    /// line or its completion.
    static let all: [CommandOption] = {
        let names = Set(listed.flatMap(\.names))
        let settings = Setting.all.filter { !names.contains($0.flag) }.map { setting in
            CommandOption(setting, value: setting.switchValue == nil ? "VALUE" : nil, in: .general, setting.summary)
        }
        return listed + settings
    }()

    /// A run's options, which `config` also takes to show how they combine with the file.
    static let runAndConfig: Set<HelpTopic> = [.run, .config]

    /// `duration` as one would type it: `60s`, `5m`, `500ms` (the help's `DurationText.format`
    /// writes `1m00s`, which reads as a measurement).
    static func typed(_ duration: Duration) -> String {
        let milliseconds = duration.wholeMilliseconds
        guard milliseconds % 1000 == 0 else { return "\(milliseconds)ms" }
        let seconds = milliseconds / 1000
        if seconds > 3600, seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds > 60, seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    /// The option of the run setting whose flag is `flag`.
    static func setting(
        _ flag: String, _ value: String?, in group: OptionGroup, _ abstract: String, choices: [String] = []
    ) -> CommandOption {
        guard let setting = Setting.forFlag(flag) else { preconditionFailure("no run setting has the flag \(flag)") }
        return CommandOption(setting, value: value, in: group, abstract, choices: choices)
    }

    /// A switch of `subcommands`.
    static func `switch`(
        _ names: String..., in subcommands: Set<HelpTopic>, group: OptionGroup = .general, _ abstract: String
    ) -> CommandOption {
        CommandOption(names: names, valueName: nil, subcommands: subcommands, group: group, abstract: abstract)
    }

    /// An option of `subcommands` that takes a value the help calls `value`.
    static func valued(
        _ names: String..., value: String, in subcommands: Set<HelpTopic>, group: OptionGroup = .general,
        _ abstract: String
    ) -> CommandOption {
        CommandOption(names: names, valueName: value, subcommands: subcommands, group: group, abstract: abstract)
    }
}

extension CommandOption {
    /// The option of a run ``Setting``: its names and default come from the setting (the default
    /// as `setting.show` prints a fresh run's, durations as typed), its subcommands are the run's
    /// and `config`'s; `value` is `nil` for a switch.
    init(_ setting: Setting, value: String?, in group: OptionGroup, _ abstract: String, choices: [String] = []) {
        var shown = setting.show(RunArguments())
        if value?.hasPrefix("DURATION") == true, let duration = DurationText.parse(shown) {
            shown = Self.typed(duration)
        }
        self.init(
            names: [setting.flag] + (setting.short.map { [$0] } ?? []), valueName: value, subcommands: Self.runAndConfig,
            group: group, abstract: abstract,
            // A switch's setting shows what it turns off; "(none)" and "(default)" are no value.
            defaultValue: value == nil || shown.hasPrefix("(") ? nil : shown, choices: choices)
    }

    /// `abstract` for `subcommand`, instead of the option's general one.
    func saying(_ abstract: String, for subcommand: HelpTopic) -> CommandOption {
        var option = self
        option.abstracts[subcommand] = abstract
        return option
    }

    /// `(default: value)` in the help.
    func defaulting(to value: String) -> CommandOption {
        var option = self
        option.defaultValue = value
        return option
    }

    /// Only `choices` as values.
    func choosing(_ choices: [String]) -> CommandOption {
        var option = self
        option.choices = choices
        return option
    }
}
