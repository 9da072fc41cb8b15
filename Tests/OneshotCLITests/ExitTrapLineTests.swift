import Foundation
import OneshotCheckpoint
import OneshotSystem
import Testing

@testable import OneshotCommand

/// Which commands run in a subshell so that the trap's shell survives them to write the exit
/// status: every way a command can replace or re-trap its shell counts, a false alarm costs a
/// fork only.
@Suite struct ExitTrapLineTests {
    @Test(arguments: [
        "exec ./server", "trap 'rm -f x' EXIT; make", "eval \"$CMD\"", ". ./env.sh && make", "source env.sh; make",
        "make&&exec true", "x=1;trap '' INT", "(exec sleep 1)", "if true; then exec cat; fi", "echo \"exec\"",
        "FOO=exec make", "`exec true`", "a|exec cat", "{ exec true; }",
        // Quoted or escaped, they are still the builtins to the shell (a hostile review's).
        "\\exec 3>&-; sleep 2", "ex''ec true", "\"trap\" 'rm x' EXIT", "e\\val \"$C\"",
        // Joined by a line continuation (hostile review 7: it ran `exec` in the trap's own
        // shell, which then wrote no status).
        "ex\\\nec true", "a\\\\\nexec true",
    ])
    func aCommandThatCanTakeItsShellRunsInASubshell(_ command: String) {
        #expect(ExitTrapLine.needsSubshell(command))
        #expect(ExitTrapLine.line(trap: "T\n", command: command) == "T\ntrap : TERM INT HUP\n(\n\(command)\n\n)\n")
    }

    @Test(arguments: [
        "make -j4", "./executor.sh", "swift build && swift test", "cd .. && ls", "echo ./. > x", "python3 -c 'print(1)'",
        "executable --trapdoor", "cat file.exec", "true",
    ])
    func anyOtherCommandRunsInTheTrapsOwnShell(_ command: String) {
        #expect(!ExitTrapLine.needsSubshell(command))
        #expect(ExitTrapLine.line(trap: "T\n", command: command) == "T\n" + command)
    }

    /// An expansion can make a taker the text does not show: each of these runs `exec` in the
    /// trap's own shell, which then writes no status, so a kill -9 of oneshot meanwhile lost the
    /// attempt's outcome (hostile review 7, checked in dash). A command name with an expansion in
    /// it runs in the subshell (`CommandWords`), wherever it stands.
    @Test(arguments: [
        "X=ex; ${X}ec sh -c 'exit 8'", "$(printf ex)ec sh -c 'exit 9'", "`printf ex`ec sh -c 'exit 9'", "$E true",
        "\"$E\" true", "2>&1 $E", ">out ${X}ec true", "X=1 $E", "a | $E", "true && $E", "if $C; then :; fi",
        "echo \"$(echo \"(\")\"; ${X}ec true", "echo '$(' ; $E", "case $x in a) ${X}ec;; esac", "ls\n$E",
    ])
    func aTakerMadeByAnExpansionRunsInASubshell(_ command: String) {
        #expect(ExitTrapLine.needsSubshell(command))
    }

    /// An expansion anywhere but in a command name leaves the command in the trap's own shell:
    /// `$$` stays the attempt's only shell for what most commands do.
    @Test(arguments: [
        "echo $$ > pid; sleep 1", "X=$(date) make", "make CC=$CC", "cd \"$dir\" && make", "for f in *.md; do echo \"$f\"; done",
        "echo \"$(echo \")\")\"; true", "test -n \"$A\" || echo `date`", "cat <in >\"$OUT\"", "echo ${HOME} $USER",
        "echo '$E'", "echo \\$E",
    ])
    func anExpansionOutsideACommandNameNeedsNoSubshell(_ command: String) {
        #expect(!ExitTrapLine.needsSubshell(command))
    }

    /// The three expansions hostile review 7 found run in the subshell, and the trap's shell
    /// writes their status.
    @Test(arguments: [("X=ex; ${X}ec sh -c 'exit 8'", "8"), ("$(printf ex)ec sh -c 'exit 9'", "9")])
    func anExpandedExecLeavesTheStatus(_ command: String, _ status: String) throws {
        try theTrapsShellWritesTheStatus(command, status)
    }

    /// The line's shell writes the status even when the command replaced or re-trapped its own,
    /// and a command ending in a backslash or a comment does not swallow the parenthesis.
    @Test(arguments: [
        ("exec sh -c 'exit 3'", "3"), ("trap 'echo bye' EXIT; exit 4", "4"), ("exit 5 # done", "5"),
        ("exec true \\", "0"), (". /dev/null; exit 6", "6"),
        ("ex\\\nec sh -c 'exit 7'", "7"),
    ])
    func theTrapsShellWritesTheStatus(_ command: String, _ status: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("trapline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let statuses = ExitStatusFile(folder: folder.path)
        let started = RFC3339.format(Date())
        let trap = CommandExecutor.exitTrap(id: "x y'z", attempt: 1, token: ExitStatusLine.token(launchedAt: Date()))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // The shell gets the exits file as its descriptor 3, as a ChildProcess passes it.
        process.arguments = ["-c", "exec 3>>\"$EXITS\"; exec /bin/sh -c \"$LINE\""]
        process.environment = [
            "EXITS": statuses.path, "LINE": ExitTrapLine.line(trap: trap, command: command), "PATH": "/usr/bin:/bin",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == Int32(status))
        let record = InFlightRecord(id: "x y'z", attempt: 1, startedAt: started, pid: process.processIdentifier)
        #expect(statuses.status(of: record)?.exitCode == Int32(status))
    }

    /// Stopping an attempt (here its timeout) signals its whole group: a command that traps
    /// TERM for its cleanup, run in the subshell, still gets its grace and chooses its status;
    /// the outer shell outlives it to write that status instead of dying first and leaving the
    /// rest of the group to be killed at once.
    @Test(.timeLimit(.minutes(3))) func aStoppedCommandKeepsItsCleanupAndItsStatus() async throws {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "w", run: "trap 'sleep 0.3; echo cleaned >> ledger; exit 5' TERM; sleep 30 & wait",
            extra: "timeout: 1s\n")
        let result = try await OneshotBinary.run(["F1", "--retries", "0"], in: project.path)
        #expect(result.exitCode == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(project.read("ledger") == "cleaned\n", "the command's cleanup ran to its end")
        #expect(project.exitStatus("F1", "w")?.exitCode == 5, "the status the cleanup chose")
    }

    /// The byte-wise check finds every taker the `Character`-wise check it replaced found, and
    /// on ASCII text exactly those (commands with a backslash and a newline aside).
    @Test func theByteWiseCheckMissesNoTakerTheCharacterWiseCheckFound() {
        let pieces = [
            "exec", "trap", "eval", "source", ".", "ex", "ec", "e", "x", " ", "\t", "\n", ";", "&", "|", "(", ")", "'",
            "\"", "\\", "$", "=", "{", "}", "`", "!", "<", ">", "a", "-", "\u{A0}", "\u{2028}", "\u{301}", "é", "✓",
            "\r\n", "\u{1C}", "#",
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let command = (0..<Int.random(in: 0..<8, using: &generator)).map { _ in
                pieces.randomElement(using: &generator)!
            }.joined()
            // A line continuation joins words as the shell does (`ec=ec\⏎source` is one
            // assignment): the old check's split there was a false alarm, not a taker missed.
            if command.utf8.contains(UInt8(ascii: "\n")) && command.utf8.contains(UInt8(ascii: "\\")) { continue }
            let before = Self.characterWise(command)
            #expect(!before || ExitTrapLine.needsSubshell(command), "\(command.debugDescription)")
            if command.utf8.allSatisfy({ $0 < 0x80 && $0 != 0x1C }) {
                #expect(before == ExitTrapLine.hasTakerWord(command), "\(command.debugDescription)")
            }
        }
    }

    /// The check as it was, by `Character`.
    private static func characterWise(_ command: String) -> Bool {
        let unquoted = String(command.filter { !"\\'\"".contains($0) })
        return unquoted.split { $0.isWhitespace || ";&|()<>`{}!=$".contains($0) }.contains {
            ExitTrapLine.shellTakers.contains($0)
        }
    }
}
