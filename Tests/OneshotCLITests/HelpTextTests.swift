import Foundation
import OneshotWorkstreams
import Testing

@testable import OneshotCLI

/// The option sections of every subcommand's help are written from the option table: each option
/// the subcommand accepts is listed there once, with its value and default, and no other; every
/// line fits 80 columns.
@Suite struct HelpTextTests {
    /// The option names listed by the option sections of `help`, each as often as listed: the
    /// names before a label's value (`-j, --jobs N`), and every name of a list of names only
    /// (`config`'s run options).
    static func listedOptions(in help: String) -> [String] {
        var names: [String] = []
        var inSection = false
        for line in help.split(separator: "\n", omittingEmptySubsequences: false) {
            if !line.hasPrefix(" ") {
                inSection = line.hasSuffix("OPTIONS") || line.hasPrefix("RUN OPTIONS")
                continue
            }
            guard inSection, line.hasPrefix("  -") else { continue }
            let label = line.dropFirst(2).components(separatedBy: "  ")[0]
            if label.contains(", -") || !label.contains(" -") {
                // An entry: `-n, --tail N`.
                names += label.components(separatedBy: ", ").map { String($0.split(separator: " ")[0]) }
            } else {
                // A list of names only.
                names += label.split(separator: " ").map(String.init)
            }
        }
        return names
    }

    @Test(arguments: HelpTopic.allCases)
    func everyOptionIsListedInItsSubcommandsHelpOnceAndNoOtherIs(topic: HelpTopic) {
        let listed = Self.listedOptions(in: HelpText.text(for: topic))
        let accepted = CommandOption.accepted(by: topic).flatMap(\.names)
        #expect(listed.sorted() == accepted.sorted(), "\(topic)")
    }

    @Test(arguments: HelpTopic.allCases)
    func helpFitsEightyColumns(topic: HelpTopic) {
        for line in HelpText.text(for: topic).split(separator: "\n") {
            #expect(line.count <= 80, "\(topic): \(line.count) columns: \(line)")
        }
    }

    @Test func everySettingHasAnEntryOfItsOwnWithItsNamesAndKindOfValue() throws {
        #expect(CommandOption.all.count == CommandOption.listed.count, "a Setting has no entry in CommandOption.listed")
        for setting in Setting.all {
            let option = try #require(CommandOption.named(setting.flag, for: .run), "\(setting.flag)")
            #expect(option.names == [setting.flag] + (setting.short.map { [$0] } ?? []))
            #expect(option.takesValue == (setting.switchValue == nil), "\(setting.flag)")
            #expect(option.subcommands.isSuperset(of: [.run, .config]), "\(setting.flag)")
        }
        #expect(Set(CommandOption.all.flatMap(\.names)).count == CommandOption.all.flatMap(\.names).count, "a name twice")
    }

    /// The default the help shows is the setting's own: given as the flag's value, it changes
    /// nothing.
    @Test func theDefaultsShownAreTheSettingsOwn() throws {
        let shown = CommandOption.all.filter { $0.defaultValue != nil }
        #expect(shown.count >= 12)
        for option in shown {
            guard let setting = Setting.forFlag(option.name), let value = option.defaultValue else { continue }
            var run = RunArguments()
            try setting.apply(&run, value, option.name)
            #expect(setting.show(run) == setting.show(RunArguments()), "\(option.name) \(value)")
        }
        #expect(CommandOption.jobs.defaultValue == "3")
        #expect(CommandOption.checkpointGrace.defaultValue == "60s")
        #expect(CommandOption.breakerMaxBackoff.defaultValue == "5m")
        #expect(CommandOption.timeout.defaultValue == nil)
        #expect(CommandOption.noBreaker.defaultValue == nil)
    }

    @Test func durationsAreShownAsTheyAreTyped() {
        #expect(CommandOption.typed(.seconds(5)) == "5s")
        #expect(CommandOption.typed(.seconds(60)) == "60s")
        #expect(CommandOption.typed(.seconds(90)) == "90s")
        #expect(CommandOption.typed(.seconds(300)) == "5m")
        #expect(CommandOption.typed(.seconds(7200)) == "2h")
        #expect(CommandOption.typed(.milliseconds(500)) == "500ms")
    }

    /// A few lines of each help, as printed: the layout (columns, wrapping, groups, defaults)
    /// does not drift unnoticed.
    @Test(arguments: [
        (
            HelpTopic.run,
            [
                "OPTIONS",
                "  -j, --jobs N            attempts running at once (default: 3)",
                "  -C, --directory DIR     run as if started in DIR (the project root)",
                "  --deadline DURATION|TIME",
                "                          stop by then: a duration from the start (50m) or an",
                "BREAKER OPTIONS",
                "  --breaker-max-opens N   trips in a row before giving up, exit 4 (default: 3)",
                "  --poll-interval DURATION",
                "  --color auto|always|never",
                "  -V, --version           show the version",
            ]
        ),
        (.status, ["OPTIONS", "  --json               one JSON object for machines (Schemas/status.schema.json)"]),
        (.plan, ["  --dot                a Graphviz picture of the DAG, coloured by state"]),
        (.config, ["  -C, --directory DIR  the project root", "RUN OPTIONS (as 'oneshot --help' describes them)"]),
        (.trace, ["  -o, --output FILE    write to FILE (default: standard output; '-' too)"]),
        (.report, ["  -o, --output FILE    write to FILE ('-': standard output; default"]),
        (
            .export,
            ["  --format github-actions|gitlab-ci", "  -o, --output FILE       write it to FILE (atomically) instead of stdout"]
        ),
        (.list, ["  --ids                only the ids, one a line (for scripts and shell"]),
        (.log, ["  -n, --tail N         only the last N lines"]),
        (.clean, ["  --history            only the history (the next run runs everything)"]),
        (.completions, ["OPTIONS", "  -h, --help  show this help"]),
    ])
    func helpLinesAreStable(topic: HelpTopic, lines: [String]) {
        let printed = Set(HelpText.text(for: topic).split(separator: "\n").map(String.init))
        for line in lines {
            #expect(printed.contains(line), "\(topic): missing \(line)")
        }
    }

    @Test func theBinaryPrintsEachHelpAsWrittenForHelpAndHelpTopic() async throws {
        let project = try TemporaryProject()
        for topic in HelpTopic.allCases {
            let flag = try await OneshotBinary.run(topic == .run ? ["--help"] : [topic.rawValue, "--help"], in: project.path)
            #expect(flag.exitCode == 0)
            #expect(flag.stdout == HelpText.text(for: topic) + "\n", "\(topic)")
            let word = try await OneshotBinary.run(["help", topic.rawValue], in: project.path)
            #expect(word.stdout == flag.stdout, "\(topic)")
        }
    }

    @Test func wrapBreaksBetweenWordsAndKeepsALongWordWhole() {
        #expect(HelpText.wrap("aa bb cc dd", width: 5) == ["aa bb", "cc dd"])
        #expect(HelpText.wrap("a .sdp/reports/<feature-id>.html b", width: 10) == ["a", ".sdp/reports/<feature-id>.html", "b"])
        #expect(HelpText.wrap("", width: 10) == [])
    }
}
