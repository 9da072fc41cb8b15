import Foundation
import Testing

/// `oneshot completions`: the bash script, sourced in bash, completes subcommands, flags,
/// feature ids and workstream ids; zsh's and fish's name the same words.
@Suite(.timeLimit(.minutes(2))) struct CompletionsTests {
    /// What `_oneshot` puts in COMPREPLY for `words`, the last being completed.
    private func complete(_ words: [String], in project: TemporaryProject) async throws -> [String] {
        let folder = OneshotBinary.url.deletingLastPathComponent().path
        let quoted = words.map { "'\($0)'" }.joined(separator: " ")
        let script = """
            export PATH='\(folder)':"$PATH"
            source <(oneshot completions bash)
            COMP_WORDS=(\(quoted)); COMP_CWORD=\(words.count - 1)
            _oneshot
            printf '%s\\n' "${COMPREPLY[@]}"
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
        let (ended, continuation) = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in continuation.finish() }
        try process.run()
        for await _ in ended {}
        #expect(process.terminationStatus == 0)
        return (project.read(".bash-out") ?? "").split(separator: "\n").map(String.init).sorted()
    }

    @Test func bashCompletesSubcommandsFlagsFeaturesAndWorkstreams() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "00-1-a", run: "true")
        try project.workstream("F1", "00-1-b", run: "true")
        try project.workstream("F2", "x", run: "true")
        #expect(try await complete(["oneshot", "l"], in: project) == ["list", "log"])
        #expect(try await complete(["oneshot", "F"], in: project) == ["F1", "F2"])
        #expect(try await complete(["oneshot", "--fail"], in: project) == ["--fail-fast"])
        #expect(try await complete(["oneshot", "log", ""], in: project) == ["F1", "F2"])
        #expect(try await complete(["oneshot", "log", "F1", ""], in: project) == ["00-1-a", "00-1-b"])
        #expect(try await complete(["oneshot", "log", "F1", "00-1-a", "--t"], in: project) == ["--tail"])
        #expect(
            try await complete(["oneshot", "clean", "F1", "--"], in: project) == [
                "--checkpoint", "--directory", "--help", "--history", "--logs",
            ])
        #expect(try await complete(["oneshot", "completions", "b"], in: project) == ["bash"])
        #expect(try await complete(["oneshot", "F1", "--ver"], in: project) == ["--verbose", "--version"])
        #expect(try await complete(["oneshot", "F1", "--color", ""], in: project) == ["always", "auto", "never"])
        #expect(
            try await complete(["oneshot", "export", "F1", "--format", "g"], in: project) == ["github-actions", "gitlab-ci"])
        #expect(try await complete(["oneshot", "F1", "-C", "fe"], in: project) == ["features"])
        #expect(try await complete(["oneshot", "F1", "--trace", ".bash-o"], in: project) == [".bash-out"])
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
