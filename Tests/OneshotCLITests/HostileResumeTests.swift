import Foundation
import OneshotCheckpoint
import OneshotTestSupport
import Testing

/// A resume under hostile conditions never signals a process that is not ours: a recycled pid,
/// a crafted checkpoint's pids.
@Suite(.timeLimit(.minutes(3))) struct HostileResumeTests {
    /// Where the kernel allocates the next pid from (root only).
    private static let lastPID = "/proc/sys/kernel/ns_last_pid"
    private static var canChoosePIDs: Bool { access(lastPID, W_OK) == 0 }

    /// Starts `setsid sleep 300` with pid `wanted` (the next pid set through `ns_last_pid`,
    /// retried while other processes on the machine take it first), or returns `nil`. A child
    /// of the test, spawned directly: it must be killed and reaped with `waitpid`.
    private func bystander(withPID wanted: Int32) -> Int32? {
        for _ in 0..<200 {
            guard let file = fopen(Self.lastPID, "w") else { return nil }
            fputs("\(wanted - 1)", file)
            fclose(file)
            var pid: pid_t = 0
            let arguments: [UnsafeMutablePointer<CChar>?] = [strdup("setsid"), strdup("sleep"), strdup("300"), nil]
            defer { arguments.forEach { free($0) } }
            guard posix_spawn(&pid, "/usr/bin/setsid", nil, nil, arguments, environ) == 0 else { return nil }
            if pid == wanted { return pid }
            kill(pid, SIGKILL)
            waitpid(pid, nil, 0)
        }
        return nil
    }

    @Test(.enabled(if: canChoosePIDs, "needs root to set /proc/sys/kernel/ns_last_pid"))
    func aResumeNeverKillsTheProcessThatReusedTheLeadersPid() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "agent", run: "echo $$ > sh.pid; read _ < release || :")
        try project.gate("release")
        try await project.runKilledOnceItsProcessIsRecorded()
        let leader = try #require(
            project.read("sh.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespaces.union(.newlines))) })
        try project.openGate("release")
        // Gone and reaped: only then can its pid be given to another process. Its pidfd tells
        // the exit; the reaping by init, not our child, raises no event: polled after that.
        #expect(await processEnds(leader))
        #expect(try await eventually { !FileManager.default.fileExists(atPath: "/proc/\(leader)") })
        let other = try #require(bystander(withPID: leader), "could not start a process with pid \(leader)")
        defer {
            kill(other, SIGKILL)
            waitpid(other, nil, 0)
        }
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(isAlive(other), "the process now holding the old leader's pid (and group id) is someone else's")
        #expect(!result.stderr.contains("killed 1 process left in the group"), "\(result.stderr)")
    }

    @Test func aCraftedCheckpointsPidsAreReportedAndNeverSignalled() async throws {
        let project = try TemporaryProject()
        let cases: [(id: String, pid: String, start: String)] = [
            ("one", "1", "5"), ("zero", "0", "5"), ("negative", "-5", "5"), ("huge", "99999999999", "5"),
            ("text", "\"12\"", "5"), ("future", "BYSTANDER", "99999999999"), ("badstart", "BYSTANDER", "-4"),
        ]
        for item in cases {
            try project.workstream("F1", item.id, run: "echo \(item.id) >> ledger", extra: "idempotent: false\n")
        }
        let bystander = Process()
        bystander.executableURL = URL(fileURLWithPath: "/bin/sleep")
        bystander.arguments = ["300"]
        try bystander.run()
        let bystanderLeftover = Leftover(bystander.processIdentifier)
        defer { bystanderLeftover.end() }
        #expect(getpgid(bystander.processIdentifier) == bystander.processIdentifier, "it leads its group, as an attempt does")
        let boot = ((try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)) ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let records = cases.map { item in
            let pid = item.pid.replacingOccurrences(of: "BYSTANDER", with: "\(bystander.processIdentifier)")
            return """
                {"id": "\(item.id)", "attempt": 1, "started_at": "2026-11-23T00:00:00Z", "run": 1, "pid": \(pid),
                 "process_start": \(item.start), "boot_id": "\(boot)", "host": "here"}
                """
        }
        try project.write(
            ".sdp/checkpoints/F1-checkpoint.json",
            """
            {"version": "1.1", "feature_id": "F1", "timestamp": "2026-11-23T00:00:00Z", "completed": [], "failed": [],
             "runs": 1, "in_flight": [\(records.joined(separator: ",\n"))]}
            """)
        let result = try await OneshotBinary.run(["F1", "--kill-orphans", "--grace", "1s"], in: project.path)
        #expect(result.exited, "\(result.stdout)\n\(result.stderr)")
        let file = ".sdp/checkpoints/F1-checkpoint.json: in_flight"
        for warning in [
            "one: pid 1 is not one oneshot can have started (expected 2 to 4194304)", "zero: pid 0 is not one",
            "negative: pid -5 is not one", "huge: pid 99999999999 is not a pid", "text: pid (not a number) is not a pid",
            "future: process_start 99999999999 is later than now on this boot",
            "badstart: process_start -4 is not a start time in clock ticks",
        ] {
            #expect(result.stderr.contains("\(file) \(warning)"), "\(warning)\n\(result.stderr)")
        }
        #expect(!result.stderr.contains("stopped its process group"), "\(result.stderr)")
        #expect(isAlive(bystander.processIdentifier), "a process a crafted record names is never signalled")
        for item in cases {
            #expect(result.stdout.contains("UNCERTAIN   \(item.id): attempt 1"), "\(item.id) stays in flight: \(result.stdout)")
        }
        #expect(project.read("ledger") == nil, "idempotent: false work that was in flight is not run again")
    }
}

/// An attempt's exit file speaks only for that attempt.
@Suite(.timeLimit(.minutes(3))) struct ExitFileTests {
    /// `--force` starts attempt numbers over: the exit file a finished run's attempt 1 left
    /// ("<pid> 0 1") was still there while the new attempt 1 ran. A kill before its pid was
    /// recorded then left a record that only its number and start (to the second) could match:
    /// a resume within that second took the old "exit 0" for the new attempt's and kept it as
    /// completed, though it may never have run.
    @Test func anAttemptStartsWithNoExitStatusOfAnEarlierOne() async throws {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "pay", run: "if [ -e \"$ONESHOT_EXIT_FILE\" ]; then echo stale >> ledger; fi; echo ran >> ledger")
        let first = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(first.exitCode == 0, "\(first.stdout)\n\(first.stderr)")
        #expect(project.exitStatus("F1", "pay").map { [$0.attempt, Int($0.exitCode)] } == [1, 0])
        let again = try await OneshotBinary.run(["F1", "--force"], in: project.path)
        #expect(again.exitCode == 0, "\(again.stdout)\n\(again.stderr)")
        #expect(project.read("ledger") == "ran\nran\n", "the second attempt 1 found the first one's exit status")
    }
}

/// What a hostile command does to its log does not garble what oneshot reports.
@Suite(.timeLimit(.minutes(3))) struct HostileCommandOutputTests {
    @Test func aLastLineWithoutItsNewlineIsKeptInTheFailureAndTheLog() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "printf 'fatal: no newline here'; exit 3")
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("fatal: no newline here"), "the failure shows the command's last line: \(result.stdout)")
        let log = try #require(project.read(".sdp/logs/F1/a.log"))
        #expect(log.contains("fatal: no newline here\n=== a attempt 1 ended: exit 3"), "the footer starts its own line: \(log)")
    }
}
