/// Finds the command names of a shell command line that an expansion makes: `${X}ec`,
/// `$(printf ex)ec`, `` `printf ex`ec ``, `$E` — any of which may turn out to be `exec`, `trap` or
/// `eval` when the shell runs it, which no look at the text can tell (``ExitTrapLine``).
///
/// Conservative, byte by byte, with the shell's quoting: a word is in command position at the
/// start, after a control operator (`;`, `&`, `|`, `(`, `)`, `{`, `}`, `!`, a newline), after an
/// assignment (`X=1 cmd`) and after a reserved word (`if`, `then`, `do`, …); a redirection's
/// target (`>out`, `2>&1`) does not take it. The inside of a `$(…)`, `${…}` or backquoted
/// substitution is skipped: what runs there runs in a subshell of its own (and is part of the
/// word around it). Wherever this errs, it errs towards a subshell (one fork more), never
/// towards missing a command name.
enum CommandWords {
    /// Whether a command name of `command` contains `$` or a backquote.
    static func expandsACommandName(_ command: String) -> Bool {
        var scanner = Scanner()
        for byte in command.utf8 where scanner.read(byte) { return true }
        return false
    }

    /// The state between bytes.
    private struct Scanner {
        enum Quote { case none, single, double }
        var quote = Quote.none
        /// The last byte was an unquoted (or double-quoted) backslash.
        var escaped = false
        /// Whether the next word is a command name.
        var commandPosition = true
        /// Whether the next word is a redirection's target.
        var redirectTarget = false
        /// Whether the last byte was `<` or `>` (so `&` after it is `>&`, not an operator).
        var afterRedirect = false
        /// Whether the last byte was an unescaped `$`.
        var afterDollar = false
        /// The substitution being skipped, if any.
        var skip = Substitution()
        /// The word being read.
        var word = Word()

        /// Reads one byte; whether a command name with an expansion was found.
        mutating func read(_ byte: UInt8) -> Bool {
            if skip.isActive {
                skip.read(byte)
                return false
            }
            if escaped {
                escaped = false
                // A line continuation joins the two sides; any other escaped byte is plain text.
                if byte != UInt8(ascii: "\n") { word.append(byte) }
                return false
            }
            switch quote {
            case .single:
                if byte == UInt8(ascii: "'") { quote = .none } else { word.append(byte) }
                return false
            case .double:
                if byte == UInt8(ascii: "\"") {
                    quote = .none
                    return false
                }
                return readWordByte(byte)
            case .none:
                return readUnquoted(byte)
            }
        }

        private mutating func readUnquoted(_ byte: UInt8) -> Bool {
            let redirect = byte == UInt8(ascii: "<") || byte == UInt8(ascii: ">")
            let wasAfterRedirect = afterRedirect
            afterRedirect = redirect
            if redirect {
                // The word just before (`2` of `2>`) is a descriptor number, not a command name.
                word = Word()
                afterDollar = false
                redirectTarget = true
                return false
            }
            if byte == UInt8(ascii: "&") && wasAfterRedirect { return false }
            if byte == UInt8(ascii: "'") {
                quote = .single
                afterDollar = false
                return false
            }
            if byte == UInt8(ascii: "\"") {
                quote = .double
                afterDollar = false
                return false
            }
            if afterDollar && (byte == UInt8(ascii: "(") || byte == UInt8(ascii: "{")) { return readWordByte(byte) }
            if Self.controls.contains(byte) {
                endWord()
                commandPosition = true
                redirectTarget = false
                return false
            }
            if Self.blanks.contains(byte) {
                endWord()
                return false
            }
            return readWordByte(byte)
        }

        /// A byte of a word, unquoted or in double quotes: expansions start there.
        private mutating func readWordByte(_ byte: UInt8) -> Bool {
            defer { afterDollar = byte == UInt8(ascii: "$") && !afterDollarConsumed(byte) }
            if byte == UInt8(ascii: "\\") {
                escaped = true
                return false
            }
            if afterDollar && (byte == UInt8(ascii: "(") || byte == UInt8(ascii: "{")) {
                skip = Substitution(opening: byte)
                word.append(byte)
                return false
            }
            if byte == UInt8(ascii: "$") || byte == UInt8(ascii: "`") {
                if commandPosition && !redirectTarget && !word.isAssignment { return true }
                if byte == UInt8(ascii: "`") { skip = Substitution(opening: byte) }
            }
            word.append(byte)
            return false
        }

        /// `$$` is one expansion, not a `$` before a `$(`.
        private func afterDollarConsumed(_ byte: UInt8) -> Bool {
            afterDollar && byte == UInt8(ascii: "$")
        }

        /// A word ended: what it was decides whether the next one is a command name.
        private mutating func endWord() {
            defer {
                word = Word()
                afterDollar = false
            }
            guard !word.isEmpty else { return }
            if redirectTarget {
                redirectTarget = false
            } else if commandPosition {
                commandPosition = word.isAssignment || word.isReservedWord
            }
        }

        private static let controls = Set(";&|(){}!\n".utf8)
        private static let blanks = Set(" \t\u{0B}\u{0C}\r".utf8)
    }

    /// A `$(…)`, `${…}` or backquoted substitution being skipped: its own quotes are followed so
    /// that a parenthesis or brace in quotes does not end it.
    private struct Substitution {
        private var opening: UInt8 = 0
        private var depth = 0
        private var quote: UInt8 = 0
        private var escaped = false

        init() {}

        init(opening: UInt8) {
            self.opening = opening
            depth = 1
        }

        var isActive: Bool { depth > 0 }

        private var closing: UInt8 {
            switch opening {
            case UInt8(ascii: "("): UInt8(ascii: ")")
            case UInt8(ascii: "{"): UInt8(ascii: "}")
            default: UInt8(ascii: "`")
            }
        }

        mutating func read(_ byte: UInt8) {
            if escaped {
                escaped = false
                return
            }
            if quote != 0 {
                if byte == quote {
                    quote = 0
                } else if byte == UInt8(ascii: "\\") && quote == UInt8(ascii: "\"") {
                    escaped = true
                }
                return
            }
            if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == closing {
                depth -= 1
            } else if byte == opening && opening != UInt8(ascii: "`") {
                depth += 1
            } else if (byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"")) && opening != UInt8(ascii: "`") {
                quote = byte
            }
        }
    }

    /// A word read so far: whether it is `NAME=…`, and its first bytes for the reserved words.
    private struct Word {
        private static let reserved = Set(
            ["if", "then", "else", "elif", "do", "while", "until", "time", "in"].map { packed($0.utf8) })
        private var value: UInt64 = 0
        private var count = 0
        /// Whether the bytes so far are a name (letters, digits, `_`, not first a digit).
        private var isName = true
        private(set) var isAssignment = false

        var isEmpty: Bool { count == 0 }

        var isReservedWord: Bool { count <= 5 && Self.reserved.contains(value) }

        mutating func append(_ byte: UInt8) {
            if !isAssignment && isName {
                if byte == UInt8(ascii: "=") && count > 0 {
                    isAssignment = true
                } else if !Self.isNameByte(byte, first: count == 0) {
                    isName = false
                }
            }
            count += 1
            if count <= 8 { value = value << 8 | UInt64(byte) }
        }

        private static func isNameByte(_ byte: UInt8, first: Bool) -> Bool {
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || byte == UInt8(ascii: "_") || (!first && byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
        }

        private static func packed(_ bytes: some Sequence<UInt8>) -> UInt64 {
            bytes.reduce(0) { $0 << 8 | UInt64($1) }
        }
    }
}
