import Foundation
import Testing

/// `oneshot log F ID`: the whole log, one attempt, the last lines; unknown ids and attempts are
/// usage errors naming them; a workstream that has not run has no log (exit 5).
@Suite(.timeLimit(.minutes(5))) struct LogCommandTests {
    private func project() async throws -> TemporaryProject {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "a", run: "if [ -f first ]; then echo second try; else touch first; echo first try; exit 1; fi",
            extra: "retries: 1\n")
        try project.workstream("F1", "b", depends: ["a"], run: "exit 1")
        try project.workstream("F1", "c", depends: ["b"], run: "true")
        _ = try await OneshotBinary.run(["F1"], in: project.path)
        return project
    }

    @Test func printsTheLogOneAttemptOrItsLastLines() async throws {
        let project = try await project()
        let whole = try await OneshotBinary.run(["log", "F1", "a"], in: project.path)
        #expect(whole.exitCode == 0)
        #expect(whole.stdout == project.read(".sdp/logs/F1/a.log").map { String($0.dropFirst()) }, "the blank first line aside")
        let second = try await OneshotBinary.run(["log", "F1", "a", "--attempt", "2"], in: project.path)
        let lines = second.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(second.stdout)")
        #expect(lines.first?.hasPrefix("=== a attempt 2 · ") == true)
        #expect(lines[1] == "second try")
        #expect(lines.last?.hasPrefix("=== a attempt 2 ended: exit 0") == true)
        let last = try await OneshotBinary.run(["log", "F1", "a", "--attempt=1", "--tail", "2"], in: project.path)
        #expect(last.stdout.hasPrefix("first try\n=== a attempt 1 ended: exit 1"), "\(last.stdout)")
    }

    @Test func unknownIdsAndAttemptsAreNamed() async throws {
        let project = try await project()
        let unknown = try await OneshotBinary.run(["log", "F1", "zz"], in: project.path)
        #expect(unknown.exitCode == 2)
        #expect(unknown.stderr.contains("no workstream 'zz' in F1 (its workstreams: a, b, c)"), "\(unknown.stderr)")
        let attempt = try await OneshotBinary.run(["log", "F1", "a", "--attempt", "3"], in: project.path)
        #expect(attempt.exitCode == 2)
        #expect(attempt.stderr.contains("a has no attempt 3 in .sdp/logs/F1/a.log (attempts: 1, 2)"), "\(attempt.stderr)")
        let notRun = try await OneshotBinary.run(["log", "F1", "c"], in: project.path)
        #expect(notRun.exitCode == 5)
        #expect(notRun.stderr.contains("c has not run yet"))
        let usage = try await OneshotBinary.run(["log", "F1"], in: project.path)
        #expect(usage.exitCode == 2)
        #expect(usage.stderr.contains("missing workstream id"))
        let badTail = try await OneshotBinary.run(["log", "F1", "a", "--tail", "x"], in: project.path)
        #expect(badTail.exitCode == 2)
        #expect(badTail.stderr.contains("--tail takes a whole number"))
        // A typed newline or escape sequence is shown, not printed: the error stays one line.
        let newline = try await OneshotBinary.run(["log", "F1", "a\nb\u{1B}[2J"], in: project.path)
        #expect(newline.exitCode == 2)
        let errors = newline.stderr.split(separator: "\n").filter { $0.hasPrefix("oneshot: error:") }
        #expect(errors.count == 1, "\(newline.stderr)")
        #expect(errors.first?.contains("no workstream 'a\\u{a}b\\u{1b}[2J' in F1") == true, "\(newline.stderr)")
        #expect(!newline.stderr.contains("\u{1B}"))
    }

    @Test func followingAnEndedAttemptPrintsItAndEnds() async throws {
        let project = try await project()
        let followed = try await OneshotBinary.run(["log", "F1", "b", "-f"], in: project.path)
        #expect(followed.exitCode == 0)
        #expect(followed.stdout.contains("=== b attempt 1 ended: exit 1"))
    }

    /// A log that is a FIFO with no writer (put there by hand) is refused with one line naming it,
    /// and the report's failed-workstream tail skips it: a blocking open of it would hang both
    /// for good. `timeout` bounds the old behaviour.
    @Test func aLogThatIsAFIFOIsRefusedNotWaitedOn() async throws {
        let project = try await project()
        let log = project.path + "/.sdp/logs/F1/b.log"
        try FileManager.default.removeItem(atPath: log)
        #expect(mkfifo(log, 0o644) == 0)
        let bounded = ["/usr/bin/timeout", "-s", "KILL", "20"]
        for arguments in [["log", "F1", "b"], ["log", "F1", "b", "-f"], ["log", "F1", "b", "--tail", "3"]] {
            let refused = try await OneshotBinary.start(arguments, in: project.path, launcher: bounded).finish()
            #expect(refused.exited && refused.exitCode == 2, "\(arguments): \(refused.exitCode) \(refused.stderr)")
            let errors = refused.stderr.split(separator: "\n")
            #expect(errors == ["oneshot: error: cannot read the log .sdp/logs/F1/b.log: not a regular file"], "\(refused.stderr)")
        }
        let report = try await OneshotBinary.start(["report", "F1"], in: project.path, launcher: bounded).finish()
        #expect(report.exited && report.exitCode == 0, "\(report.exitCode) \(report.stderr)")
        #expect(project.read(".sdp/reports/F1.html")?.contains("b") == true)
    }

    /// A log of 100 GB (a sparse file put in its place) is refused with its size, one line,
    /// exit 2. Before, `oneshot log` allocated the whole size and crashed (SIGABRT), with
    /// `--tail 3` too.
    @Test func aLogTooLargeToReadIsRefusedWithItsSize() async throws {
        let project = try await project()
        let log = project.path + "/.sdp/logs/F1/b.log"
        #expect(truncate(log, 100 << 30) == 0)
        for arguments in [["log", "F1", "b"], ["log", "F1", "b", "--tail", "3"]] {
            let refused = try await OneshotBinary.run(arguments, in: project.path)
            #expect(refused.exitCode == 2, "\(arguments): \(refused.exitCode) \(refused.stderr)")
            #expect(
                refused.stderr
                    == "oneshot: error: cannot show the log .sdp/logs/F1/b.log: 107374182400 bytes, more than 'oneshot log' reads (268435456); read it with tail or less\n",
                "\(refused.stderr)")
        }
    }
}
