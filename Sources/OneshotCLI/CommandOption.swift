/// One option of oneshot's command line: its names, whether it takes a value, and the
/// subcommands that accept it. ``all`` is the one table every subcommand is read against (by
/// ``OptionScanner``), that completions are written from, and that the help texts are checked
/// against, so a flag cannot be known to one and unknown to another.
struct CommandOption: Sendable, Equatable {
    /// Every name: the long one first (`--directory`), then any short one (`-C`).
    let names: [String]
    /// Whether the option takes a value (`--tail 5`, `--tail=5`, `-n5`).
    let takesValue: Bool
    /// The subcommands that accept it.
    let subcommands: Set<HelpTopic>

    /// The name messages and completions use first.
    var name: String { names[0] }

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

    /// The table: the options below, then one for each run ``Setting`` no option below names.
    static let all: [CommandOption] = {
        let listed = [
            help, version, directory, json, features, exec, rerun, only, assumeDepsDone, fresh, force, rerunUncertain,
            killOrphans, noWait, dryRun, failFast, keepGoing, verbose, quiet, trace, dot, output, format, ids, follow,
            attempt, tail, checkpoint, logs, history,
        ]
        let names = Set(listed.flatMap(\.names))
        let settings = Setting.all.filter { !names.contains($0.flag) }.map { setting in
            CommandOption(
                names: [setting.flag] + (setting.short.map { [$0] } ?? []), takesValue: setting.switchValue == nil,
                subcommands: runAndConfig)
        }
        return listed + settings
    }()

    /// A run's options, which `config` also takes to show how they combine with the file.
    private static let runAndConfig: Set<HelpTopic> = [.run, .config]
    /// The subcommands that read a feature's files.
    private static let featureReaders: Set<HelpTopic> = [.run, .config, .plan, .export, .list, .log]

    private static func `switch`(_ names: String..., in subcommands: Set<HelpTopic>) -> CommandOption {
        CommandOption(names: names, takesValue: false, subcommands: subcommands)
    }

    private static func valued(_ names: String..., in subcommands: Set<HelpTopic>) -> CommandOption {
        CommandOption(names: names, takesValue: true, subcommands: subcommands)
    }

    static let help = `switch`("--help", "-h", in: Set(HelpTopic.allCases))
    static let version = `switch`("--version", "-V", in: [.run])
    static let directory = valued("--directory", "-C", in: Set(HelpTopic.allCases).subtracting([.completions]))
    static let json = `switch`("--json", in: [.run, .config, .status, .plan, .list])
    static let features = valued("--features", in: featureReaders)
    static let exec = valued("--exec", in: [.run, .config, .plan])
    static let rerun = valued("--rerun", in: [.run, .config, .plan])
    static let only = valued("--only", in: [.run, .config, .plan])
    static let assumeDepsDone = `switch`("--assume-deps-done", in: [.run, .config, .plan])
    static let fresh = `switch`("--fresh", in: runAndConfig)
    static let force = `switch`("--force", in: runAndConfig)
    static let rerunUncertain = `switch`("--rerun-uncertain", in: runAndConfig)
    static let killOrphans = `switch`("--kill-orphans", in: runAndConfig)
    static let noWait = `switch`("--no-wait", in: runAndConfig)
    static let dryRun = `switch`("--dry-run", in: runAndConfig)
    static let failFast = `switch`("--fail-fast", in: runAndConfig)
    static let keepGoing = `switch`("--keep-going", "-k", in: runAndConfig)
    static let verbose = `switch`("--verbose", "-v", in: runAndConfig)
    static let quiet = `switch`("--quiet", "-q", in: runAndConfig)
    static let trace = valued("--trace", in: runAndConfig)
    static let dot = `switch`("--dot", in: [.plan])
    static let output = valued("--output", "-o", in: [.trace, .report, .export])
    static let format = valued("--format", in: [.export])
    static let ids = `switch`("--ids", in: [.list])
    static let follow = `switch`("--follow", "-f", in: [.log])
    static let attempt = valued("--attempt", in: [.log])
    static let tail = valued("--tail", "-n", in: [.log])
    static let checkpoint = `switch`("--checkpoint", in: [.clean])
    static let logs = `switch`("--logs", in: [.clean])
    static let history = `switch`("--history", in: [.clean])
}
