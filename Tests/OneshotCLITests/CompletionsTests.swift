import Foundation
import Testing

@testable import OneshotCLI

/// `oneshot completions`: the bash script, sourced in bash, completes subcommands, flags,
/// feature ids and workstream ids; zsh's and fish's name the same words.
@Suite(.timeLimit(.minutes(2))) struct CompletionsTests {
    /// What `_oneshot` puts in COMPREPLY for each line of `words` (the last word of a line being
    /// completed), sorted: one bash for all of them, so the test spawns a few processes, not one
    /// bash per line.
    private func complete(_ lines: [[String]], in project: TemporaryProject) async throws -> [[String]] {
        let folder = OneshotBinary.url.deletingLastPathComponent().path
        let cases = lines.map { words in
            let quoted = words.map { "'\($0)'" }.joined(separator: " ")
            return """
                COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1); COMPREPLY=()
                _oneshot
                printf '%s\\n' "${COMPREPLY[@]}" '@@'
                """
        }
        let script = """
            export PATH='\(folder)':"$PATH"
            source <(oneshot completions bash)
            \(cases.joined(separator: "\n"))
            """
        let output = project.file(".bash-out")
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", script]
        process.currentDirectoryURL = URL(fileURLWithPath: project.path)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        // The status is read in the handler, where the process has ended: the stream also ends
        // when the test is cancelled (its time limit), and reading `terminationStatus` of a
        // process still running is a precondition failure that takes the whole test run down.
        let (ended, continuation) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { continuation.yield($0.terminationStatus) }
        try process.run()
        var status: Int32?
        for await code in ended {
            status = code
            break
        }
        guard status == 0 else {
            if status == nil { kill(process.processIdentifier, SIGKILL) }
            Issue.record("bash ended with \(status.map(String.init) ?? "no status (cancelled)")")
            return []
        }
        let printed = (project.read(".bash-out") ?? "").split(separator: "\n", omittingEmptySubsequences: false)
        return printed.split(separator: "@@", omittingEmptySubsequences: false).prefix(lines.count).map {
            $0.filter { !$0.isEmpty }.map(String.init).sorted()
        }
    }

    @Test func bashCompletesSubcommandsFlagsFeaturesAndWorkstreams() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "00-1-a", run: "true")
        try project.workstream("F1", "00-1-b", run: "true")
        try project.workstream("F2", "x", run: "true")
        let expected: [(words: [String], completions: [String])] = [
            (["oneshot", "l"], ["list", "log"]),
            (["oneshot", "F"], ["F1", "F2"]),
            (["oneshot", "--fail"], ["--fail-fast"]),
            (["oneshot", "log", ""], ["F1", "F2"]),
            (["oneshot", "log", "F1", ""], ["00-1-a", "00-1-b"]),
            (["oneshot", "log", "F1", "00-1-a", "--t"], ["--tail"]),
            (["oneshot", "clean", "F1", "--"], ["--checkpoint", "--directory", "--help", "--history", "--logs"]),
            (["oneshot", "status", "F1", "--zz"], []),
            (["oneshot", "completions", "b"], ["bash"]),
            (["oneshot", "F1", "--ver"], ["--verbose", "--version"]),
            // After a run's feature id: its options, not feature ids (before, F1 and F2).
            (["oneshot", "F1", "F"], []),
            (["oneshot", "F1", ""], Completions.runFlags.sorted()),
            (["oneshot", "F1", "--jobs", "2", ""], Completions.runFlags.sorted()),
            (["oneshot", "F1", "--color", ""], ["always", "auto", "never"]),
            (["oneshot", "export", "F1", "--format", "g"], ["github-actions", "gitlab-ci"]),
            (["oneshot", "F1", "-C", "fe"], ["features"]),
            (["oneshot", "F1", "--trace", ".bash-o"], [".bash-out"]),
            // A value that is free text (a number, a duration, a command): nothing to offer.
            // Before, after a feature id, the run's options were offered as the value.
            (["oneshot", "F1", "--jobs", ""], []),
            (["oneshot", "F1", "-j", ""], []),
            (["oneshot", "F1", "--exec", ""], []),
            (["oneshot", "F1", "--only", ""], []),
            (["oneshot", "log", "F1", "00-1-a", "--tail", ""], []),
        ]
        let completed = try await complete(expected.map(\.words), in: project)
        #expect(completed.count == expected.count)
        for (line, completions) in zip(expected, completed) {
            #expect(completions == line.completions, "\(line.words)")
        }
    }

    @Test func zshAndFishScriptsNameTheSameWords() async throws {
        let project = try TemporaryProject()
        for shell in ["zsh", "fish"] {
            let result = try await OneshotBinary.run(["completions", shell], in: project.path)
            #expect(result.exitCode == 0)
            for word in ["list", "log", "clean", "completions", "fail-fast", "keep-going", "tail", "oneshot list --ids"] {
                #expect(result.stdout.contains(word), "\(shell): \(word)")
            }
        }
        #expect(try await OneshotBinary.run(["completions", "zsh"], in: project.path).stdout.hasPrefix("#compdef oneshot"))
        let unknown = try await OneshotBinary.run(["completions", "tcsh"], in: project.path)
        #expect(unknown.exitCode == 2)
        #expect(unknown.stderr.contains("no completions for shell 'tcsh'; expected one of bash, zsh, fish"))
    }
}
