/// `oneshot completions bash|zsh|fish`: a script that completes subcommands, flags, feature ids
/// (`oneshot list --ids`) and workstream ids (`oneshot list F052 --ids`).
enum Completions {
    /// The shells a script is printed for.
    enum Shell: String, CaseIterable {
        case bash, zsh, fish
    }

    /// Parses the arguments after `completions`.
    ///
    /// - Throws: ``UsageError`` when the shell is missing or unknown.
    static func parse(_ arguments: [String]) throws(UsageError) -> Invocation {
        try OptionScanner.parse(arguments, for: .completions, into: (), []) { _, positional throws(UsageError) in
            let names = Shell.allCases.map(\.rawValue).joined(separator: ", ")
            guard let name = positional.first else {
                throw UsageError(.missingArgument("shell (\(names))", example: "oneshot completions bash"))
            }
            guard let shell = Shell(rawValue: name) else {
                throw UsageError("no completions for shell '\(name)'; expected one of \(names)")
            }
            guard positional.count == 1 else { throw UsageError(.unexpectedArgument(positional[1], expected: "give one shell")) }
            return .completions(shell.rawValue)
        }
    }

    static let subcommands = [
        "list", "log", "clean", "plan", "status", "config", "trace", "report", "export", "help", "completions",
    ]

    /// The run's flags, from the option table.
    static var runFlags: [String] { CommandOption.accepted(by: .run).flatMap(\.names) }

    /// Each subcommand's flags, from the option table (without `--help`), and the words
    /// `completions` and `help` take.
    static let subcommandFlags: [String: [String]] = {
        var flags: [String: [String]] = [:]
        for topic in HelpTopic.allCases where topic != .run && topic != .completions {
            flags[topic.rawValue] = CommandOption.accepted(by: topic).filter { $0 != .help }.flatMap(\.names)
        }
        flags["completions"] = Shell.allCases.map(\.rawValue)
        flags["help"] = HelpTopic.allCases.map(\.rawValue)
        return flags
    }()

    /// The script for `shell`.
    static func script(for name: String) -> String {
        switch Shell(rawValue: name) ?? .bash {
        case .bash: bash
        case .zsh: zsh
        case .fish: fish
        }
    }

    /// `case` arms of the subcommands' flags, in the shells' `case` syntax.
    private static func cases(_ arm: (String, String) -> String) -> String {
        subcommandFlags.sorted { $0.key < $1.key }.map { arm($0.key, $0.value.joined(separator: " ")) }
            .joined(separator: "\n")
    }

    static var bash: String {
        """
        # oneshot completion for bash: source it, or put it in bash-completion's folder.
        _oneshot() {
            local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
            local sub=${COMP_WORDS[1]} flags words
            if [[ $COMP_CWORD -eq 1 ]]; then
                words="\(subcommands.joined(separator: " ")) $(oneshot list --ids 2>/dev/null)"
                [[ $cur == -* ]] && words="\(runFlags.joined(separator: " "))"
                COMPREPLY=($(compgen -W "$words" -- "$cur"))
                return
            fi
            case $prev in
                -C|--directory|--features) COMPREPLY=($(compgen -d -- "$cur")); return ;;
            esac
            case $sub in
        \(cases { "        \($0)) flags=\"\($1)\" ;;" })
                *) flags="\(runFlags.joined(separator: " "))" ;;
            esac
            if [[ $cur == -* || $sub == completions || $sub == help ]]; then
                COMPREPLY=($(compgen -W "$flags" -- "$cur"))
            elif [[ $sub == log && $COMP_CWORD -eq 3 ]]; then
                COMPREPLY=($(compgen -W "$(oneshot list "${COMP_WORDS[2]}" --ids 2>/dev/null)" -- "$cur"))
            elif [[ $COMP_CWORD -eq 2 ]]; then
                COMPREPLY=($(compgen -W "$(oneshot list --ids 2>/dev/null)" -- "$cur"))
            fi
        }
        complete -F _oneshot oneshot
        """
    }

    static var zsh: String {
        """
        #compdef oneshot
        # oneshot completion for zsh: put it in a folder of $fpath as _oneshot, or source it.
        _oneshot() {
            local sub=${words[2]} cur=${words[CURRENT]}
            local -a flags
            if (( CURRENT == 2 )); then
                if [[ $cur == -* ]]; then
                    compadd -- \(runFlags.joined(separator: " "))
                else
                    compadd -- \(subcommands.joined(separator: " ")) ${(f)"$(oneshot list --ids 2>/dev/null)"}
                fi
                return
            fi
            case $words[CURRENT-1] in
                -C|--directory|--features) _files -/; return ;;
            esac
            case $sub in
        \(cases { "        \($0)) flags=(\($1)) ;;" })
                *) flags=(\(runFlags.joined(separator: " "))) ;;
            esac
            if [[ $cur == -* || $sub == completions || $sub == help ]]; then
                compadd -- $flags
            elif [[ $sub == log ]] && (( CURRENT == 4 )); then
                compadd -- ${(f)"$(oneshot list ${words[3]} --ids 2>/dev/null)"}
            elif (( CURRENT == 3 )); then
                compadd -- ${(f)"$(oneshot list --ids 2>/dev/null)"}
            fi
        }
        if [[ $zsh_eval_context[-1] == loadautofunc ]]; then _oneshot "$@"; else compdef _oneshot oneshot; fi
        """
    }

    static var fish: String {
        let subcommandFlags = subcommandFlags.sorted { $0.key < $1.key }.map { name, flags in
            let long = flags.filter { $0.hasPrefix("--") }.map { "-l \($0.dropFirst(2))" }
            let short = flags.filter { $0.hasPrefix("-") && !$0.hasPrefix("--") }.map { "-s \($0.dropFirst())" }
            let words = flags.filter { !$0.hasPrefix("-") }
            var line = "complete -c oneshot -n '__fish_seen_subcommand_from \(name)'"
            if !words.isEmpty { line += " -f -a '\(words.joined(separator: " "))'" }
            return ((long + short).map { "\(line) \($0)" } + (words.isEmpty ? [] : [line])).joined(separator: "\n")
        }.joined(separator: "\n")
        let runLong = runFlags.filter { $0.hasPrefix("--") }.map { "-l \($0.dropFirst(2))" }
        let runShort = runFlags.filter { !$0.hasPrefix("--") }.map { "-s \($0.dropFirst())" }
        return """
            # oneshot completion for fish: save as ~/.config/fish/completions/oneshot.fish.
            complete -c oneshot -f
            complete -c oneshot -n '__fish_use_subcommand' -a '\(subcommands.joined(separator: " "))'
            complete -c oneshot -n '__fish_use_subcommand' -a '(oneshot list --ids 2>/dev/null)'
            complete -c oneshot -n '__fish_seen_subcommand_from list plan status clean log; and test (count (commandline -opc)) -eq 2' -a '(oneshot list --ids 2>/dev/null)'
            complete -c oneshot -n '__fish_seen_subcommand_from log; and test (count (commandline -opc)) -eq 3' -a '(oneshot list (commandline -opc)[3] --ids 2>/dev/null)'
            \((runLong + runShort).map { "complete -c oneshot -n '__fish_use_subcommand' \($0)" }.joined(separator: "\n"))
            \(subcommandFlags)
            """
    }
}
