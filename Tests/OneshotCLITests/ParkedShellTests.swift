import Foundation
import OneshotCheckpoint
import OneshotDispatch
import OneshotSystem
import OneshotWorkstreams
import Testing

@testable import OneshotCommand

/// A shell started ahead of its launch and parked on a socket (``ParkedShell``): nothing of its
/// command runs before the release; released, it runs the command as a shell spawned at the
/// launch would, with the attempt and token of the launch in its exit status; discarded, it
/// exits without running anything or leaving a status.
@Suite(.timeLimit(.minutes(3))) struct ParkedShellTests {
    private struct Folder {
        let path = NSTemporaryDirectory() + "oneshot-parked-" + UUID().uuidString
        var logs: String { path + "/logs/F1" }
        func read(_ name: String) -> String? { try? String(contentsOfFile: path + "/" + name, encoding: .utf8) }
        func remove() { try? FileManager.default.removeItem(atPath: path) }

        /// The exit-status lines the shells left, oldest first.
        var statusLines: [ExitStatusLine] {
            var lines: [ExitStatusLine] = []
            _ = ExitStatusFile.linesFromTheEnd(of: logs + "/exits") { text in
                if let line = ExitStatusLine(text) { lines.insert(line, at: 0) }
                return false
            }
            return lines
        }

        /// The live shells of `id` started for this folder. (Not by their working folder: a
        /// Foundation `Process` started meanwhile may change this process's for a moment.) A
        /// shell just spawned is not always listed at once (about one run of the suite in ten
        /// missed one): wait for it with `eventually`.
        func shells(_ id: String) -> [Int32] {
            ProcessInspector.processes(withEnvironmentEntryPrefixed: "ONESHOT_EXIT_FILE=\(logs)/\(id).exit").map(\.pid)
        }
    }

    private func executor(_ folder: Folder) -> CommandExecutor {
        var commands = CommandExecutor(featureID: "F1", logFolder: folder.logs, terminationGrace: .seconds(1))
        commands.parksShells = true
        return commands
    }

    @Test func aReleasedShellRunsItsCommandOnceWithTheLaunchsAttemptAndToken() async throws {
        let folder = Folder()
        defer { folder.remove() }
        let commands = executor(folder)
        let ran = folder.path + "/ran"
        // `t`, which carried the token, is not left to the command.
        let step = Workstream(id: "b", command: "echo \"[$t] $ONESHOT_ATTEMPT\" >> \(ran); exit 7")
        await commands.prepare(step, attempt: 3)
        let pid = try #require(commands.preparedLogs.parkedShell("b"), "the shell is started ahead")
        #expect(try await eventually { folder.shells("b") == [pid] }, "with the attempt's environment")
        let parked = [pid]
        #expect(folder.read("ran") == nil, "and runs nothing before its release")
        let before = ExitStatusLine.token(launchedAt: Date())
        let result = try await commands(step, 3)
        let after = ExitStatusLine.token(launchedAt: Date())
        #expect(result.exitCode == 7)
        #expect(folder.read("ran") == "[] 3\n")
        let line = try #require(folder.statusLines.last)
        #expect(line.attempt == 3 && line.exitCode == 7 && line.id == "b" && line.pid == parked.first)
        #expect(line.token >= before && line.token <= after, "the token of the release, not of the spawn")
        let log = try #require(try? String(contentsOfFile: folder.logs + "/b.log", encoding: .utf8))
        #expect(log.hasPrefix("\n=== b attempt 3 · "), "\(log)")
        #expect(log.contains("=== b attempt 3 ended: exit 7 after "))
    }

    @Test func aDiscardedShellEndsWithoutRunningAnythingOrLeavingAStatus() async throws {
        let folder = Folder()
        defer { folder.remove() }
        let commands = executor(folder)
        let step = Workstream(id: "b", command: "touch \(folder.path)/ran")
        await commands.prepare(step, attempt: 1)
        let parked = try [#require(commands.preparedLogs.parkedShell("b"))]
        #expect(try await eventually { folder.shells("b") == parked })
        await commands.discard(step)
        #expect(parked.allSatisfy { !isAlive($0) }, "reaped by the discard")
        #expect(folder.read("ran") == nil)
        #expect(folder.statusLines.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: folder.logs + "/b.log"))
    }

    @Test func aShellParkedForAnotherAttemptIsReplaced() async throws {
        let folder = Folder()
        defer { folder.remove() }
        let commands = executor(folder)
        let step = Workstream(id: "b", command: "echo $ONESHOT_ATTEMPT >> \(folder.path)/ran")
        await commands.prepare(step, attempt: 1)
        let parked = try [#require(commands.preparedLogs.parkedShell("b"))]
        let result = try await commands(step, 2)
        #expect(result.succeeded)
        #expect(folder.read("ran") == "2\n", "run once, as attempt 2")
        #expect(parked.allSatisfy { !isAlive($0) })
        #expect(folder.statusLines.map(\.attempt) == [2])
    }

    /// A shell killed while parked fails its release; the launch then ends it with a cancel and
    /// spawns a shell of its own. The failed release leaves the socket open for the cancel, which
    /// closes it: closed by both, the second close would close whatever another thread opened
    /// under its number meanwhile (a log, a journal).
    @Test func aFailedReleaseLeavesThePipeToTheCancel() async throws {
        let folder = Folder()
        defer { folder.remove() }
        let (parked, log) = try await parkedAndKilled(folder)
        defer { close(log) }
        #expect(await releasedWithoutSIGPIPE(parked) == false, "the shell is gone")
        #expect(fcntl(parked.go, F_GETFD) != -1, "the socket is left open for the cancel")
        await parked.cancel(grace: .seconds(1))
        #expect(folder.read("ran") == nil)
    }

    /// The release to a shell killed while parked raises no SIGPIPE, so that a process embedding a
    /// `CommandExecutor` with SIGPIPE at its default (this one, where a test must not change it)
    /// is not killed by it: the release runs on a thread that blocks the signal, where one raised
    /// would stay pending.
    @Test func aFailedReleaseRaisesNoSIGPIPE() async throws {
        let folder = Folder()
        defer { folder.remove() }
        let (parked, log) = try await parkedAndKilled(folder)
        defer { close(log) }
        let (released, raised) = await releaseOnBlockingThread(parked)
        #expect(released == false, "the shell is gone")
        #expect(raised == false, "the failed release raised SIGPIPE")
        await parked.cancel(grace: .seconds(1))
        #expect(folder.read("ran") == nil)
    }

    /// `parked.release(token:)` on a thread of its own that blocks SIGPIPE (this process must keep
    /// its dispositions): a signal the failed write raises stays pending on that thread, and goes
    /// with it. Returns the release's result and whether SIGPIPE was pending after it.
    /// Step `b` parked with its log open, then its shell killed and seen a zombie or gone: its
    /// descriptors are closed then, so a release fails with EPIPE. The caller closes the log.
    private func parkedAndKilled(_ folder: Folder) async throws -> (ParkedShell, Int32) {
        try FileManager.default.createDirectory(atPath: folder.logs, withIntermediateDirectories: true)
        let log = open(folder.logs + "/b.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        let step = Workstream(id: "b", command: "touch \(folder.path)/ran")
        guard let parked = executor(folder).park(step, attempt: 1, command: step.command ?? "", output: log) else {
            close(log)
            throw ParkFailed()
        }
        kill(parked.child.pid, SIGKILL)
        #expect(try await eventually { [nil, "Z"].contains(processState(parked.child.pid)) })
        return (parked, log)
    }

    private struct ParkFailed: Error {}

    private func releaseOnBlockingThread(_ parked: ParkedShell) async -> (Bool, Bool) {
        await withCheckedContinuation { continuation in
            Thread {
                var pipeSignal = sigset_t()
                sigemptyset(&pipeSignal)
                sigaddset(&pipeSignal, SIGPIPE)
                pthread_sigmask(SIG_BLOCK, &pipeSignal, nil)
                let released = parked.release(token: 1)
                var pending = sigset_t()
                sigpending(&pending)
                continuation.resume(returning: (released, sigismember(&pending, SIGPIPE) == 1))
            }.start()
        }
    }

    private func releasedWithoutSIGPIPE(_ parked: ParkedShell) async -> Bool {
        await releaseOnBlockingThread(parked).0
    }

    /// The state letter of `pid` in `/proc/<pid>/stat` (`Z`: a zombie), `nil` when it is gone.
    private func processState(_ pid: Int32) -> Character? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let end = stat.lastIndex(of: ")")
        else { return nil }
        return stat[stat.index(after: end)...].dropFirst().first
    }

    /// A resume looking for the shell of an attempt whose process was not recorded (the run
    /// died between its start record and its pid record) must not take a shell still parked —
    /// exiting, as the run that parked it died before the release — for it; a released one it
    /// finds.
    @Test func aResumeTakesAReleasedShellForTheAttemptsButNotAParkedOne() async throws {
        let folder = Folder()
        defer { folder.remove() }
        let commands = executor(folder)
        let step = Workstream(id: "b", command: "sleep 30")
        let record = InFlightRecord(id: "b", attempt: 1, startedAt: RFC3339.format(Date()), pid: nil, run: 1)
        await commands.prepare(step, attempt: 1)
        let parked = try #require(commands.preparedLogs.parkedShell("b"))
        // Once it waits in its `read` (before, it would be taken, and found to end without a
        // status: the attempt's outcome unknown, as when no shell is found).
        #expect(try await eventually { CommandExecutor.isParked(parked) })
        #expect(commands.located(record).pid == nil, "a parked shell is not the attempt's")
        let attempt = Task { try await commands(step, 1) }
        #expect(try await eventually { commands.located(record).pid == parked }, "released, it is")
        attempt.cancel()
        _ = try? await attempt.value
    }

    /// A released command may hold a pipe as descriptor 4 in the attempt's shell itself (a
    /// here-document for a group: `{ …; } 4<<EOF`): that shell is still the attempt's. Taken for
    /// a parked one, a resume would not find the attempt running: it would run it again while it
    /// runs, and leave it running untracked.
    @Test func aReleasedShellHoldingAPipeAsDescriptor4IsStillTheAttempts() async throws {
        let folder = Folder()
        defer { folder.remove() }
        let commands = executor(folder)
        let step = Workstream(id: "b", command: "{ sleep 30; } 4<<EOF\nheld\nEOF")
        let record = InFlightRecord(id: "b", attempt: 1, startedAt: RFC3339.format(Date()), pid: nil, run: 1)
        await commands.prepare(step, attempt: 1)
        let shell = try #require(commands.preparedLogs.parkedShell("b"))
        let attempt = Task { try await commands(step, 1) }
        #expect(try await eventually { (try? Syscall.symlinkTarget("/proc/\(shell)/fd/4"))?.hasPrefix("pipe:") == true })
        #expect(try await eventually(within: .seconds(5)) { commands.located(record).pid == shell })
        attempt.cancel()
        _ = try? await attempt.value
    }

    @Test func theParkedScriptsTrapIsTheLaunchsTrapOnceTheTokenIsIn() throws {
        let id = "it's b"
        let expanded = ParkedShell.exitTrap(id: id, attempt: 4)
        let direct = CommandExecutor.exitTrap(id: id, attempt: 4, token: 1_796_034_788_547)
        // What the shell sets, with `t` expanded inside the double quotes.
        let asSet = expanded.replacingOccurrences(of: "\"$t\"", with: "1796034788547")
            .replacingOccurrences(of: "\nunset t\n", with: "\n")
        #expect(try shellWords(asSet) == shellWords(direct))
    }

    /// The words `sh` makes of `line`, printed one per line.
    private func shellWords(_ line: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "set -- " + line.replacingOccurrences(of: "\n", with: " ") + "; printf '%s\\n' \"$@\""]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Through the binary: the shells it parks while a chain's steps run.
@Suite(.timeLimit(.minutes(2))) struct ParkedShellEndToEndTests {
    /// The live shells of `id` started in `project`.
    private func shells(_ project: TemporaryProject, _ id: String) -> [Int32] {
        ProcessInspector.processes(holding: ["ONESHOT_WS_ID=\(id)", "ONESHOT_FEATURE_ID=F1"], workingIn: project.path)
    }

    @Test func aKilledRunsParkedShellRunsNothingAndTheResumeRunsItOnce() async throws {
        let project = try TemporaryProject()
        let first = try await startedWithBParked(project, a: "; echo a >> a.ran", b: "echo b >> b.ran", idempotent: false)
        let parked = shells(project, "b")
        kill(first.pid, SIGKILL)
        _ = try await first.finish()
        // The kernel closed the pipe: the parked shell exits, running nothing.
        #expect(try await eventually { parked.allSatisfy { !isAlive($0) } })
        #expect(project.read("b.ran") == nil)
        #expect(project.exitStatus("F1", "b") == nil, "no status for a shell that ran nothing")
        try project.openGate("a-go")
        let resumed = try await OneshotBinary.run(["F1", "-j", "2"], in: project.path)
        #expect(resumed.exitCode == 0, "\(resumed.stdout)\(resumed.stderr)")
        #expect(project.read("a.ran") == "a\n")
        #expect(project.read("b.ran") == "b\n", "b ran exactly once")
    }

    /// The log a preparation opened is empty until the launch writes its header, and stays so
    /// when the run is killed while the shell is parked: `oneshot log` says the workstream has
    /// not run yet (exit 5), as without the file, instead of printing nothing with exit 0.
    @Test func anEmptyPreparedLogHasNotRunYet() async throws {
        let project = try TemporaryProject()
        let first = try await startedWithBParked(project, a: "", b: "echo b")
        #expect(project.read(".sdp/logs/F1/b.log") == "", "opened ahead")
        let parked = try await OneshotBinary.run(["log", "F1", "b"], in: project.path)
        #expect(parked.exitCode == 5, "\(parked.stdout)")
        #expect(parked.stderr.contains("b has not run yet"), "\(parked.stderr)")
        kill(first.pid, SIGKILL)
        _ = try await first.finish()
        let killed = try await OneshotBinary.run(["log", "F1", "b"], in: project.path)
        #expect(killed.exitCode == 5, "\(killed.stdout)")
        #expect(
            killed.stderr
                == "oneshot: error: b has not run yet: its log .sdp/logs/F1/b.log is empty, opened ahead of an attempt that never started\n"
        )
        try project.openGate("a-go")
        #expect(try await OneshotBinary.run(["F1", "-j", "2"], in: project.path).exitCode == 0)
        let ran = try await OneshotBinary.run(["log", "F1", "b"], in: project.path)
        #expect(ran.exitCode == 0 && ran.stdout.contains("=== b attempt 1 ended: exit 0"), "\(ran.stdout)")
    }

    /// The empty log a killed run left (its shell parked, its attempt never come) is no attempt:
    /// when the resume prepares the workstream again and then does not launch it (`a` fails,
    /// `b` is skipped), the log goes with that preparation, as a log the resume had made would.
    /// Before, it was opened as an earlier run's log and kept: `.sdp/logs/F1/b.log`, empty, for a
    /// workstream that never ran.
    @Test func anEmptyLogAKilledRunLeftGoesWhenTheResumeDoesNotLaunchIt() async throws {
        let project = try TemporaryProject()
        let first = try await startedWithBParked(project, a: "; if [ -f a-fails ]; then exit 1; fi", b: "echo b >> b.ran")
        kill(first.pid, SIGKILL)
        _ = try await first.finish()
        #expect(project.read(".sdp/logs/F1/b.log") == "", "left empty by the killed run")
        let status = try await OneshotBinary.run(["status", "F1", "--json"], in: project.path)
        #expect(
            status.stdout.contains("{\"attempts\":0,\"duration_ms\":0,\"id\":\"b\",\"state\":\"pending\"}"), "\(status.stdout)")
        // a's attempt of the killed run is stopped, so that the resume launches a (and prepares b).
        let resume = try OneshotBinary.start(["F1", "-j", "2", "--kill-orphans", "--retries", "0"], in: project.path)
        #expect(try await eventually { shells(project, "b").count == 1 }, "b prepared again while a runs")
        try project.write("a-fails", "")
        try project.openGate("a-go")
        let resumed = try await resume.finish()
        #expect(resumed.exitCode == 1, "\(resumed.stdout)\(resumed.stderr)")
        #expect(resumed.stdout.contains("b skipped: blocked by a"), "\(resumed.stdout)")
        #expect(!FileManager.default.fileExists(atPath: project.file(".sdp/logs/F1/b.log")), "no log for what never ran")
        #expect(project.read("b.ran") == nil)
        let log = try await OneshotBinary.run(["log", "F1", "b"], in: project.path)
        #expect(log.exitCode == 5 && log.stderr.contains("b has not run yet"), "\(log.stderr)")
    }

    /// The logs folder removed while a shell is parked (by hand, or a clean): the log opened
    /// ahead is then a file no name leads to. The launch makes the log again, as an unprepared
    /// one does, instead of writing the attempt's output, and its failure's lines, where no one
    /// can read them.
    @Test func aLogRemovedWhileParkedIsMadeAgainAtTheLaunch() async throws {
        let project = try TemporaryProject()
        let running = try await startedWithBParked(project, a: "", b: "echo b-output; exit 3")
        try FileManager.default.removeItem(atPath: project.file(".sdp/logs/F1"))
        try project.openGate("a-go")
        let result = try await running.finish()
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("b-output"), "the failure's last lines: \(result.stdout)")
        let log = project.read(".sdp/logs/F1/b.log") ?? ""
        #expect(log.contains("=== b attempt 1 · ") && log.contains("b-output\n=== b attempt 1 ended: exit 3"), "\(log)")
    }

    /// A parked shell someone stopped (SIGSTOP) has run nothing: the launch ends it and spawns a
    /// shell of its own, instead of releasing it into a stop that is then killed as a stopped
    /// command's, failing an attempt that never ran.
    @Test func aShellStoppedWhileParkedIsReplacedAtTheLaunch() async throws {
        let project = try TemporaryProject()
        let running = try await startedWithBParked(project, a: "", b: "echo b >> b.ran", idempotent: false)
        let parked = shells(project, "b")
        for pid in parked { kill(pid, SIGSTOP) }
        try project.openGate("a-go")
        let result = try await running.finish()
        #expect(result.exitCode == 0, "\(result.stdout)")
        #expect(project.read("b.ran") == "b\n")
        #expect(parked.allSatisfy { !isAlive($0) }, "the stopped shell was ended")
    }

    @Test(arguments: [SIGINT, SIGTERM])
    func aStoppedRunEndsItsParkedShells(signal: Int32) async throws {
        let project = try TemporaryProject()
        let running = try await startedWithBParked(project, a: "", b: "touch b.ran")
        let parked = shells(project, "b")
        kill(running.pid, signal)
        let stopped = try await running.finish()
        #expect(stopped.exitCode != 0)
        #expect(parked.allSatisfy { !isAlive($0) }, "ended before oneshot exits")
        #expect(project.read("b.ran") == nil)
        #expect(shells(project, "a").isEmpty && shells(project, "b").isEmpty, "nothing left running")
    }

    @Test func theDeadlineEndsTheParkedShellAndTheResumeRunsItOnce() async throws {
        let project = try TemporaryProject()
        try project.gate("a-go")
        try project.workstream("F1", "a", run: "read _ < a-go || :; echo a >> a.ran")
        try project.workstream("F1", "b", depends: ["a"], run: "echo b >> b.ran", extra: "idempotent: false\n")
        let stopped = try await OneshotBinary.run(
            ["F1", "-j", "2", "--deadline", "2s", "--grace", "1s"], in: project.path)
        #expect(stopped.exitCode == 7, "\(stopped.stdout)")
        #expect(project.read("b.ran") == nil)
        #expect(shells(project, "b").isEmpty, "the parked shell ended with the run")
        #expect(project.exitStatus("F1", "b") == nil)
        try project.openGate("a-go")
        let resumed = try await OneshotBinary.run(["F1", "-j", "2"], in: project.path)
        #expect(resumed.exitCode == 0, "\(resumed.stdout)")
        #expect(project.read("b.ran") == "b\n")
    }

    @Test func aRetriedDependencyKeepsTheParkedShellAndEachRunsOnce() async throws {
        let project = try TemporaryProject()
        try project.gate("a-go")
        // a fails once, then passes on its retry; b stays parked meanwhile.
        try project.workstream(
            "F1", "a", run: "read _ < a-go || :; echo a >> a.ran; test $ONESHOT_ATTEMPT = 2", extra: "retries: 1\n")
        try project.workstream("F1", "b", depends: ["a"], run: "echo b >> b.ran")
        let running = try OneshotBinary.start(["F1", "-j", "2", "--no-breaker"], in: project.path)
        #expect(try await eventually { shells(project, "b").count == 1 })
        try project.openGate("a-go")
        let result = try await running.finish()
        #expect(result.exitCode == 0, "\(result.stdout)")
        #expect(project.read("a.ran") == "a\na\n")
        #expect(project.read("b.ran") == "b\n")
    }

    @Test func aDependencyFailingForGoodDiscardsTheParkedShell() async throws {
        let project = try TemporaryProject()
        let running = try await startedWithBParked(project, a: "; exit 3", b: "touch b.ran")
        let parked = shells(project, "b")
        try project.openGate("a-go")
        let result = try await running.finish()
        #expect(result.exitCode == 1)
        #expect(parked.allSatisfy { !isAlive($0) })
        #expect(project.read("b.ran") == nil)
        #expect(project.exitStatus("F1", "b") == nil)
        #expect(project.read(".sdp/logs/F1/b.log") == nil)
    }

    /// `a` (which first waits on the gate `a-go`, then runs `a`) and `b` after it, started with
    /// `-j 2`; returned once `b`'s shell is parked while `a` runs.
    private func startedWithBParked(
        _ project: TemporaryProject, a: String, b: String, idempotent: Bool = true
    ) async throws -> RunningBinary {
        try project.gate("a-go")
        try project.workstream("F1", "a", run: "read _ < a-go || :" + a)
        try project.workstream("F1", "b", depends: ["a"], run: b, extra: idempotent ? "" : "idempotent: false\n")
        let running = try OneshotBinary.start(["F1", "-j", "2"], in: project.path)
        #expect(try await eventually { shells(project, "b").count == 1 }, "b's shell is parked while a runs")
        return running
    }
}
