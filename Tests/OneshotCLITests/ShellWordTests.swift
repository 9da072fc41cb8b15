import Foundation
import Testing

@testable import OneshotCommand

/// `ShellWord.quoted` makes any text one word that a real `/bin/sh` reads back byte for byte,
/// and writes what the Foundation-based quoting it replaced wrote.
@Suite(.timeLimit(.minutes(3))) struct ShellWordTests {
    /// Ids and commands a shell would take apart if they were not quoted whole.
    static let tricky = [
        "", "n1", "plain-id_2.0", "it's", "'", "''", "'\\''", "a'b'c", "$HOME", "${x:-y}", "$(rm -rf /)", "`id`",
        "a b\tc", "line\nbreak", "trailing\\", "back\\slash", "\"double\"", "*", "?[a]", "~", "a;b&c|d", "<in >out",
        "!bang", "#comment", "%s %d", "-n", "--", "naïve — ✓ 日本", "é\u{301}", "\u{7f}\u{1b}[31m", " lead", "x=1",
        String(repeating: "'$", count: 300),
    ]

    @Test func aRealShellReadsEachQuotedWordBackAsItWas() throws {
        let words = try Self.echoedBySh(Self.tricky.map(ShellWord.quoted))
        #expect(words == Self.tricky)
    }

    @Test func itWritesWhatFoundationsReplacementWrote() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("ab'\\\"$ \n'é✓")
        var samples = Self.tricky
        for _ in 0..<500 {
            let length = Int.random(in: 0..<12, using: &generator)
            samples.append(String((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        for text in samples {
            #expect(ShellWord.quoted(text) == "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'")
        }
    }

    @Test func theExitTrapOfATrickyIdWritesTheIdItWasGiven() throws {
        for id in ["it's", "$(id)", "a b", "x'\\''y", "`id`", "%s"] {
            let trap = CommandExecutor.exitTrap(id: id, attempt: 2, token: 7)
            // The trap writes to descriptor 3: here, the shell's standard output.
            let output = try Self.runSh(trap + "exec 3>&1\nfalse\n")
            let line = output.split(separator: "\n").last.flatMap { ExitStatusLine($0) }
            #expect(line?.id == id, "\(output)")
            #expect(line?.attempt == 2 && line?.token == 7 && line?.exitCode == 1, "\(output)")
        }
    }

    /// The words `/bin/sh` gets from `printf '%s\0' <words>`, split back.
    private static func echoedBySh(_ quotedWords: [String]) throws -> [String] {
        let output = try runSh("printf '%s\\0' " + quotedWords.joined(separator: " "))
        var words = output.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
        #expect(words.last == "")
        words.removeLast()
        return words
    }

    /// The standard output of `/bin/sh -c script`.
    private static func runSh(_ script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
