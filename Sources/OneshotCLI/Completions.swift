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

    /// The words after `oneshot` that name a subcommand, from ``HelpTopic``.
    static let subcommands = HelpTopic.allCases.filter { $0 != .run }.map(\.rawValue) + ["help"]

    /// The run's flags, from the option table.
    static var runFlags: [String] { CommandOption.accepted(by: .run).flatMap(\.names) }

    /// Each subcommand's flags, from the option table, and the words `completions` and `help`
    /// take.
    static let subcommandFlags: [String: [String]] = {
        var flags: [String: [String]] = [:]
        for topic in HelpTopic.allCases where topic != .run {
            flags[topic.rawValue] = CommandOption.accepted(by: topic).flatMap(\.names)
        }
        flags["completions", default: []].insert(contentsOf: Shell.allCases.map(\.rawValue), at: 0)
        flags["help"] = HelpTopic.allCases.map(\.rawValue)
        return flags
    }()

    /// What the value of an option completes to, from its value name or its choices.
    enum Value: Equatable {
        /// A folder (`DIR`).
        case directory
        /// A file (`FILE`).
        case file
        /// One of the option's choices.
        case choice([String])
    }

    /// The options whose values complete to something, in the table's order, grouped by what
    /// (options whose value is free text, `-j 4`, complete to nothing).
    static var values: [(names: [String], value: Value)] {
        var groups: [(names: [String], value: Value)] = []
        for option in CommandOption.all {
            let value: Value
            if !option.choices.isEmpty {
                value = .choice(option.choices)
            } else if option.valueName == "DIR" {
                value = .directory
            } else if option.valueName == "FILE" {
                value = .file
            } else {
                continue
            }
            if let index = groups.firstIndex(where: { $0.value == value }) {
                groups[index].names += option.names
            } else {
                groups.append((option.names, value))
            }
        }
        return groups
    }

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

    /// The names of the options whose value is free text (`-j 4`, `--exec CMD`): it completes
    /// to nothing, neither to options nor to feature ids.
    static var freeValueNames: [String] {
        let completed = Set(values.flatMap(\.names))
        let flags = Set(CommandOption.all.filter { !$0.takesValue }.flatMap(\.names))
        var names: [String] = []
        for option in CommandOption.all where option.takesValue {
            for name in option.names where !completed.contains(name) && !flags.contains(name) && !names.contains(name) {
                names.append(name)
            }
        }
        return names
    }

    /// `case` arms completing the values of options, in the shells' `case` syntax; `nothing` is
    /// the arm of a free value.
    private static func valueCases(_ arm: (Value) -> String, nothing: String) -> String {
        (values.map { "        \($0.names.joined(separator: "|"))) \(arm($0.value)); return ;;" }
            + ["        \(freeValueNames.joined(separator: "|"))) \(nothing); return ;;"])
            .joined(separator: "\n")
    }

    private static func bash(_ value: Value) -> String {
        switch value {
        case .directory: #"COMPREPLY=($(compgen -d -- "$cur"))"#
        case .file: #"COMPREPLY=($(compgen -f -- "$cur"))"#
        case .choice(let words): #"COMPREPLY=($(compgen -W ""# + words.joined(separator: " ") + #"" -- "$cur"))"#
        }
    }

    private static func zsh(_ value: Value) -> String {
        switch value {
        case .directory: "_files -/"
        case .file: "_files"
        case .choice(let words): "compadd -- " + words.joined(separator: " ")
        }
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
        \(valueCases(bash, nothing: "COMPREPLY=()"))
            esac
            case $sub in
        \(cases { "        \($0)) flags=\"\($1)\" ;;" })
                *) flags="\(runFlags.joined(separator: " "))" ;;
            esac
            # A run's feature id is its first word: the run's options follow it, not more ids.
            if [[ $cur == -* || $sub == completions || $sub == help || " \(subcommands.joined(separator: " ")) " != *" $sub "* ]]; then
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
        \(valueCases(zsh, nothing: ":"))
            esac
            case $sub in
        \(cases { "        \($0)) flags=(\($1)) ;;" })
                *) flags=(\(runFlags.joined(separator: " "))) ;;
            esac
            if [[ $cur == -* || $sub == completions || $sub == help || " \(subcommands.joined(separator: " ")) " != *" $sub "* ]]; then
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
        let subcommandLines = HelpTopic.allCases.filter { $0 != .run }.flatMap { topic in
            let condition = "__fish_seen_subcommand_from \(topic.rawValue)"
            return CommandOption.accepted(by: topic).map { fishLine($0, condition: condition) }
        }
        let words = ["completions": Shell.allCases.map(\.rawValue), "help": HelpTopic.allCases.map(\.rawValue)]
        let wordLines = words.sorted { $0.key < $1.key }.map { name, words in
            "complete -c oneshot -n '__fish_seen_subcommand_from \(name)' -f -a '\(words.joined(separator: " "))'"
        }
        // A run's options follow its feature id (`oneshot F052 --jobs 4`), so they apply while no
        // subcommand is seen, not only before the first word.
        let notSubcommand = "not __fish_seen_subcommand_from \(subcommands.joined(separator: " "))"
        let runLines = CommandOption.accepted(by: .run).map { fishLine($0, condition: notSubcommand) }
        return """
            # oneshot completion for fish: save as ~/.config/fish/completions/oneshot.fish.
            complete -c oneshot -f
            complete -c oneshot -n '__fish_use_subcommand' -a '\(subcommands.joined(separator: " "))'
            complete -c oneshot -n '__fish_use_subcommand' -a '(oneshot list --ids 2>/dev/null)'
            complete -c oneshot -n '__fish_seen_subcommand_from list plan status clean log; and test (count (commandline -opc)) -eq 2' -a '(oneshot list --ids 2>/dev/null)'
            complete -c oneshot -n '__fish_seen_subcommand_from log; and test (count (commandline -opc)) -eq 3' -a '(oneshot list (commandline -opc)[3] --ids 2>/dev/null)'
            \((runLines + subcommandLines + wordLines).joined(separator: "\n"))
            """
    }

    /// `complete -c oneshot -n CONDITION -l tail -s n -r`: one option's names, and what its
    /// value completes to.
    private static func fishLine(_ option: CommandOption, condition: String) -> String {
        let names = option.names.map { $0.hasPrefix("--") ? "-l \($0.dropFirst(2))" : "-s \($0.dropFirst())" }
        var line = "complete -c oneshot -n '\(condition)' " + names.joined(separator: " ")
        if let value = values.first(where: { $0.names.contains(option.name) })?.value {
            switch value {
            case .directory: line += " -x -a '(__fish_complete_directories)'"
            case .file: line += " -r -F"
            case .choice(let words): line += " -x -a '\(words.joined(separator: " "))'"
            }
        } else if option.takesValue {
            line += " -x"
        }
        return line
    }
}
