/// The `sh -c` line of a local attempt: the exit trap that leaves the attempt's exit status in
/// the feature's `ExitStatusFile`, then the command.
///
/// The trap belongs to the shell that `sh -c` starts, so a command that replaces that shell
/// (`exec`), sets its own `EXIT` trap (`trap`), or may do either through text it runs in place
/// (`eval`, `.`, `source`) would leave no exit status: after a kill -9 of oneshot, its outcome
/// would be unknown. Such a command runs in a subshell, `( … )`: what it does there replaces or
/// re-traps the subshell, and the outer shell, still ours, writes the status as it exits. The
/// outer shell catches SIGTERM, SIGINT and SIGHUP with an empty action (caught, not ignored: a
/// subshell resets caught signals to their default, so the command gets them as it would have),
/// which a shell runs only once its foreground command ended: stopping the attempt signals the
/// whole group, the command takes its grace (its own `trap … TERM` cleanup included), and the
/// outer shell outlives it to write the status instead of dying first and leaving the rest of
/// the group to be killed at once. Other
/// commands run in the trap's shell itself, which costs no extra process. A command that kills
/// the outer shell (`kill -9 $$`) still leaves no status; its outcome is then uncertain.
enum ExitTrapLine {
    /// Builtins that can take the trap's shell away from it when run in that shell.
    static let shellTakers: Set<Substring> = ["exec", "trap", "eval", "source", "."]

    /// Keeps the outer shell alive until its subshell ends when the attempt is stopped.
    static let outlivesStops = "trap : TERM INT HUP\n"

    /// `trap` then `command`, in a subshell when the command needs one.
    static func line(trap: String, command: String) -> String {
        // Two newlines before `)`: a command ending in a backslash continues onto an empty line,
        // not onto the parenthesis.
        needsSubshell(command) ? trap + outlivesStops + "(\n" + command + "\n\n)\n" : trap + command
    }

    /// Whether `command` has one of ``shellTakers`` as a word: conservative, so a word inside a
    /// quoted string or a comment also counts (a subshell costs a fork, never correctness).
    ///
    /// Read byte by byte (checking every command by `Character` cost microseconds per attempt):
    /// quotes and backslashes are removed first (`\exec`, `ex''ec` and `"trap"` are still the
    /// builtins to the shell: a hostile review kept an exit status from a kill -9 so), and a
    /// backslash-newline joins its two sides as the shell's line continuation does (`ex\⏎ec`
    /// is `exec`); words end at ASCII white space, operators and grouping, and at every
    /// non-ASCII byte — more places than the shell ends them, so that no taker is missed. A
    /// taker made by an expansion (`X=ex; ${X}ec`, `$(printf ex)ec`, `$E`) is caught by its
    /// place: a command name with an expansion in it also runs in the subshell
    /// (`CommandWords`); an expansion elsewhere (`echo $$`) does not, so what most commands see
    /// (`$$` the attempt's own shell) is unchanged.
    static func needsSubshell(_ command: String) -> Bool {
        hasTakerWord(command) || CommandWords.expandsACommandName(command)
    }

    /// Whether one of ``shellTakers`` is a word of `command` (see ``needsSubshell(_:)``).
    static func hasTakerWord(_ command: String) -> Bool {
        var word = WordBytes()
        var escaped = false
        for byte in command.utf8 {
            if escaped {
                escaped = false
                if byte == UInt8(ascii: "\n") { continue }
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
                continue
            }
            if isQuote(byte) { continue }
            if isSeparator(byte) {
                if word.isTaker { return true }
                word = WordBytes()
            } else {
                word.append(byte)
            }
        }
        return word.isTaker
    }

    /// A word being read, its bytes packed into an integer (no allocation per word) up to the
    /// longest taker's length.
    private struct WordBytes {
        private static let takers = Set(shellTakers.map { packed($0.utf8) })
        private static let longest = shellTakers.map(\.utf8.count).max() ?? 0
        private var value: UInt64 = 0
        private var count = 0

        mutating func append(_ byte: UInt8) {
            count += 1
            if count <= Self.longest { value = value << 8 | UInt64(byte) }
        }

        var isTaker: Bool { count > 0 && count <= Self.longest && Self.takers.contains(value) }

        private static func packed(_ bytes: some Sequence<UInt8>) -> UInt64 {
            bytes.reduce(0) { $0 << 8 | UInt64($1) }
        }
    }

    private static func isQuote(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"")
    }

    /// What ends a word for this check: ASCII white space, operators, grouping, and any byte
    /// of a non-ASCII character (Unicode spaces among them).
    private static func isSeparator(_ byte: UInt8) -> Bool {
        byte >= 0x80 || (byte >= 0x09 && byte <= 0x0D) || separators.contains(byte)
    }

    private static let separators = Set(" ;&|()<>`{}!=$".utf8)
}
