import Foundation
import Testing

@testable import OneshotCLI

/// The completion scripts are written from the option table: each subcommand completes every
/// option it accepts and no other, in bash, zsh and fish alike, and the values of options with
/// folders, files or fixed choices complete to them.
@Suite struct CompletionScriptTests {
    /// The words each subcommand's `case` arm offers (`*` is the run), from lines such as
    /// `log) flags="--tail -n" ;;` (bash) or `log) flags=(--tail -n) ;;` (zsh).
    private static func arms(of script: String, open: String, close: String) -> [String: [String]] {
        var arms: [String: [String]] = [:]
        for line in script.split(separator: "\n") {
            let text = line.trimmingCharacters(in: .whitespaces)
            guard let paren = text.range(of: ") flags=\(open)"), text.hasSuffix("\(close) ;;") else { continue }
            let words = text[paren.upperBound..<text.index(text.endIndex, offsetBy: -(close.count + 3))]
            arms[String(text[..<paren.lowerBound])] = words.split(separator: " ").map(String.init)
        }
        return arms
    }

    /// The option names each fish condition completes (`-l tail -s n`), keyed by the subcommand
    /// (`run` for the condition that no subcommand was seen).
    private static func fishOptions(_ script: String) -> [String: [String]] {
        var options: [String: [String]] = [:]
        for line in script.split(separator: "\n") where line.hasPrefix("complete -c oneshot -n '") {
            let parts = line.components(separatedBy: "'")
            let condition = parts[1]
            let subcommand =
                condition.hasPrefix("not ") ? "run" : condition.replacingOccurrences(of: "__fish_seen_subcommand_from ", with: "")
            let words = parts[2].split(separator: " ").map(String.init)
            for (index, word) in words.enumerated() where (word == "-l" || word == "-s") && index + 1 < words.count {
                options[subcommand, default: []].append((word == "-l" ? "--" : "-") + words[index + 1])
            }
        }
        return options
    }

    /// What each subcommand should complete: the names of the options it accepts.
    private static func expected(_ topic: HelpTopic) -> [String] {
        CommandOption.accepted(by: topic).flatMap(\.names).sorted()
    }

    @Test func bashAndZshCompleteEachSubcommandsOptionsAndNoOther() {
        for (script, open, close) in [(Completions.bash, "\"", "\""), (Completions.zsh, "(", ")")] {
            let arms = Self.arms(of: script, open: open, close: close)
            for topic in HelpTopic.allCases {
                let words = arms[topic == .run ? "*" : topic.rawValue] ?? []
                let options = words.filter { $0.hasPrefix("-") }.sorted()
                #expect(options == Self.expected(topic), "\(topic) in \(script.prefix(30))")
            }
            #expect(arms["completions"]?.filter { !$0.hasPrefix("-") } == ["bash", "zsh", "fish"])
            #expect(arms["help"] == HelpTopic.allCases.map(\.rawValue))
        }
    }

    @Test func fishCompletesEachSubcommandsOptionsAndNoOther() {
        let options = Self.fishOptions(Completions.fish)
        for topic in HelpTopic.allCases {
            #expect((options[topic.rawValue] ?? []).sorted() == Self.expected(topic), "\(topic)")
        }
        #expect(
            Completions.fish.contains(
                "complete -c oneshot -n '__fish_seen_subcommand_from export' -l format -x -a 'github-actions gitlab-ci'"))
        #expect(Completions.fish.contains("-l directory -s C -x -a '(__fish_complete_directories)'"))
        #expect(Completions.fish.contains("-l output -s o -r -F"))
    }

    @Test func valuesCompleteToFoldersFilesAndChoicesFromTheTable() {
        let values = Dictionary(
            uniqueKeysWithValues: Completions.values.flatMap { group in group.names.map { ($0, group.value) } })
        #expect(values["-C"] == .directory)
        #expect(values["--features"] == .directory)
        #expect(values["--trace"] == .file)
        #expect(values["-o"] == .file)
        #expect(values["--color"] == .choice(["auto", "always", "never"]))
        #expect(values["--executor"] == .choice(["local", "slurm"]))
        #expect(values["--format"] == .choice(["github-actions", "gitlab-ci"]))
        #expect(values["--jobs"] == nil)
        #expect(
            Completions.subcommands.sorted() == (HelpTopic.allCases.filter { $0 != .run }.map(\.rawValue) + ["help"]).sorted())
    }
}
