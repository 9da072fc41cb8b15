import Foundation
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
    ])
    func aCommandThatCanTakeItsShellRunsInASubshell(_ command: String) {
        #expect(ExitTrapLine.needsSubshell(command))
        #expect(ExitTrapLine.line(trap: "T\n", command: command) == "T\n(\n\(command)\n\n)\n")
    }

    @Test(arguments: [
        "make -j4", "./executor.sh", "swift build && swift test", "cd .. && ls", "echo ./. > x", "python3 -c 'print(1)'",
        "executable --trapdoor", "cat file.exec", "true",
    ])
    func anyOtherCommandRunsInTheTrapsOwnShell(_ command: String) {
        #expect(!ExitTrapLine.needsSubshell(command))
        #expect(ExitTrapLine.line(trap: "T\n", command: command) == "T\n" + command)
    }

    /// The line's shell writes the status even when the command replaced or re-trapped its own,
    /// and a command ending in a backslash or a comment does not swallow the parenthesis.
    @Test(arguments: [
        ("exec sh -c 'exit 3'", "3"), ("trap 'echo bye' EXIT; exit 4", "4"), ("exit 5 # done", "5"),
        ("exec true \\", "0"), (". /dev/null; exit 6", "6"),
    ])
    func theTrapsShellWritesTheStatus(_ command: String, _ status: String) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("trapline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let exitFile = folder.appendingPathComponent("x.exit").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", ExitTrapLine.line(trap: CommandExecutor.exitTrap, command: command)]
        process.environment = ["ONESHOT_EXIT_FILE": exitFile, "ONESHOT_ATTEMPT": "1", "PATH": "/usr/bin:/bin"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == Int32(status))
        let written = try String(contentsOfFile: exitFile, encoding: .utf8).split(separator: " ")
        #expect(written.count == 3 && written[0] == "\(process.processIdentifier)" && written[1] == status[...])
    }
}
