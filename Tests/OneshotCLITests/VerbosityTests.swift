import Foundation
import Testing

/// `-v` streams each workstream's output, every line whole and prefixed with its id; `-q`
/// shows only failures and the summary.
@Suite(.timeLimit(.minutes(2))) struct VerbosityTests {
    @Test func verboseStreamsWholeLinesPrefixedWithTheirWorkstream() async throws {
        let project = try TemporaryProject()
        // Long lines written in pieces, concurrently: a torn line would show up as a mismatch.
        let writer =
            #"for i in $(seq 1 300); do printf 'line %s of %s ' "$i" "$ONESHOT_WS_ID"; printf '%0200d\n' 0; done; printf 'no newline'"#
        try project.workstream("F1", "alpha", run: writer)
        try project.workstream("F1", "b", run: writer)
        let result = try await OneshotBinary.run(["F1", "-j", "2", "-v"], in: project.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
        let tail = String(repeating: "0", count: 200)
        for id in ["alpha", "b"] {
            let label = id.padding(toLength: 5, withPad: " ", startingAt: 0) + " | "
            let lines = result.stdout.split(separator: "\n").filter { $0.hasPrefix(label) }.map {
                String($0.dropFirst(label.count))
            }
            let expected = (1...300).map { "line \($0) of \(id) \(tail)" } + ["no newline"]
            #expect(lines == expected, "\(id): \(lines.prefix(3)) … \(lines.count) lines")
        }
        for line in result.stdout.split(separator: "\n") where !line.isEmpty {
            let known =
                line.hasPrefix("alpha | ") || line.hasPrefix("b     | ") || line.hasPrefix("[") || line.hasPrefix("oneshot F1")
                || line.hasPrefix("WORKSTREAM") || line.hasPrefix("alpha ") || line.hasPrefix("b ") || line.hasPrefix("succeeded")
            #expect(known, "a torn or unexpected line: \(line.prefix(80))")
        }
        #expect(!result.stdout.contains("\u{1B}["), "no colour off a terminal")
        #expect(!result.stdout.contains("=== alpha attempt"), "the log's own header is not streamed")
        // Every line of a workstream comes before its result line.
        let done = try #require(result.stdout.range(of: "✓ alpha done"))
        #expect(result.stdout.range(of: "alpha | no newline")!.lowerBound < done.lowerBound)
    }

    @Test func verboseColoursEachWorkstreamOnATerminal() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo from a")
        try project.workstream("F1", "b", depends: ["a"], run: "echo from b")
        let command = "\(OneshotBinary.url.path) F1 -v"
        let result = try await runProcess("/usr/bin/script", ["-qefc", command, "/dev/null"], in: project.path)
        #expect(result.contains("\u{1B}[36ma |\u{1B}[0m from a"), "\(result.debugDescription)")
        #expect(result.contains("\u{1B}[33mb |\u{1B}[0m from b"), "\(result.debugDescription)")
    }

    @Test func quietShowsOnlyFailuresAndTheSummary() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "ok", run: "echo fine")
        try project.workstream("F1", "bad", run: "echo broken; exit 3")
        let result = try await OneshotBinary.run(["F1", "-q"], in: project.path)
        #expect(result.exitCode == 1)
        #expect(!result.stdout.contains("▶") && !result.stdout.contains("✓"), "\(result.stdout)")
        #expect(!result.stdout.contains("oneshot F1:"))
        #expect(!result.stdout.contains("checkpoint saved"))
        #expect(result.stdout.contains("✗ bad failed (exit 3)"))
        #expect(result.stdout.contains("│ broken"))
        #expect(result.stdout.contains("failed: 1 succeeded, 1 failed in"))
    }

    /// Runs a helper to its end with its output in a file (not a pipe the runner could hold).
    private func runProcess(_ tool: String, _ arguments: [String], in directory: String) async throws -> String {
        let output = (directory as NSString).appendingPathComponent(".script-out")
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["TERM"] = "xterm"
        environment.removeValue(forKey: "NO_COLOR")
        environment.removeValue(forKey: "CI")
        process.environment = environment
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        let (ended, continuation) = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in continuation.finish() }
        try process.run()
        for await _ in ended {}
        return project(output)
    }

    private func project(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }
}
