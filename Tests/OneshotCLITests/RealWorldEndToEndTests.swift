import Foundation
import OneshotCheckpoint
import OneshotTestSupport
import Testing

/// The real world (issue #11): a closed terminal, Ctrl-\, a CI runner's SIGINT → SIGTERM →
/// SIGKILL, a parent with odd signal dispositions or a non-blocking pipe, a command that wants a
/// tty or `cd`s, a container's pid namespace, odd file names and dangling links.
@Suite(.timeLimit(.minutes(2))) struct RealWorldEndToEndTests {
    /// A workstream whose group ignores SIGTERM: only SIGKILL ends it, so a stop waits out the
    /// whole grace unless it is cut short. With the file `fast`, it succeeds at once.
    private func stubbornFeature(_ project: TemporaryProject) throws {
        try project.workstream("F1", "first", run: "echo ran >> first.ledger")
        try project.workstream(
            "F1", "stubborn", depends: ["first"],
            run: "if [ -f fast ]; then exit 0; fi; trap '' TERM; sleep 300 & echo $! > bg.pid; wait")
    }

    private func backgroundPID(_ project: TemporaryProject) -> Int32? {
        project.read("bg.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    private func savedCheckpoint(_ project: TemporaryProject) throws -> Checkpoint? {
        try CheckpointReader.load(CheckpointPaths(folder: project.file(".sdp/checkpoints"), featureID: "F1"))?.checkpoint
    }

    @Test(arguments: [(SIGHUP, Int32(129)), (SIGQUIT, Int32(131))])
    func hangUpAndQuitStopTheRunLikeSIGTERM(signal: Int32, expected: Int32) async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "long", run: "sleep 300 & echo $! > bg.pid; wait")
        let running = try OneshotBinary.start(["F1"], in: project.path)
        #expect(await project.until { project.read("bg.pid")?.hasSuffix("\n") == true })
        kill(running.pid, signal)
        let result = try await running.finish()
        #expect(result.exited && result.exitCode == expected, "\(result.stderr)")
        #expect(result.stdout.contains("checkpoint saved: .sdp/checkpoints/F1-checkpoint.json"))
        #expect(try savedCheckpoint(project)?.interrupted == ["long"])
        let pid = try #require(backgroundPID(project))
        #expect(await processEnds(pid), "child \(pid) outlived oneshot")
    }

    #if os(Linux)
        @Test func closingTheTerminalStopsTheRunSavesTheCheckpointAndLeavesNoChild() async throws {
            let project = try TemporaryProject()
            try project.workstream("F1", "long", run: "sleep 300 & echo $! > bg.pid; wait")
            let session = try TerminalSession(["F1"], in: project.path)
            #expect(await project.until { project.read("bg.pid")?.hasSuffix("\n") == true })
            session.hangUp()
            let code = try await session.finish()
            #expect(code == 129, "\(session.stderr)")
            #expect(session.stderr.contains("received SIGHUP: stopping running workstreams"))
            #expect(try savedCheckpoint(project)?.interrupted == ["long"])
            let pid = try #require(backgroundPID(project))
            #expect(await processEnds(pid), "child \(pid) outlived the closed terminal")
        }
    #endif

    /// GitHub Actions cancels a job with SIGINT, SIGTERM 7.5 s later and SIGKILL 2.5 s after
    /// that. The first interval is shortened; the last is kept, as it is the budget the
    /// checkpoint must be written in, with a grace far longer than the whole sequence.
    @Test func aSecondSignalKillsTheCommandsAtOnceAndTheCheckpointBeatsTheRunnersSIGKILL() async throws {
        let project = try TemporaryProject()
        try stubbornFeature(project)
        let running = try OneshotBinary.start(["F1", "--grace", "60s"], in: project.path)
        #expect(await project.until { project.read("bg.pid")?.hasSuffix("\n") == true })
        kill(running.pid, SIGINT)
        #expect(
            await project.until { (try? String(contentsOfFile: running.errPath, encoding: .utf8))?.contains("SIGINT") == true })
        // The runner's interval between its SIGINT and its SIGTERM (shortened): part of the
        // scenario, not a wait for anything (the SIGINT was taken, above).
        try await Task.sleep(for: .milliseconds(750))
        kill(running.pid, SIGTERM)
        let result = try await running.finish(orKillAfter: .milliseconds(2_500))
        #expect(result.exited && result.exitCode == 130, "killed by the runner's SIGKILL: \(result.stderr)")
        #expect(result.stderr.contains("received SIGTERM while stopping: killing running workstreams now"))
        #expect(result.stdout.contains("checkpoint saved"))
        let pid = try #require(backgroundPID(project))
        #expect(await processEnds(pid))
        try project.write("fast", "")
        let resumed = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(resumed.exitCode == 0, "\(resumed.stderr)")
        #expect(project.read("first.ledger") == "ran\n", "a completed workstream ran again")
    }

    @Test func aParentThatIgnoresSIGCHLDDoesNotTurnSuccessesInto127() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "ok", run: "exit 0")
        try project.workstream("F1", "seven", run: "exit 7")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/perl")
        // An ignored SIGCHLD survives exec: the kernel would reap every child oneshot starts.
        process.arguments = ["-e", "$SIG{CHLD} = 'IGNORE'; exec @ARGV or die", OneshotBinary.url.path, "F1"]
        process.currentDirectoryURL = URL(fileURLWithPath: project.path)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 1, "\(text)")
        #expect(text.contains("✓ ok"), "\(text)")
        #expect(text.contains("exit 7"), "\(text)")
        #expect(!text.contains("exit 127"), "\(text)")
    }

    #if os(Linux)
        @Test func aCommandThatReadsTheTerminalFailsInsteadOfHanging() async throws {
            let project = try TemporaryProject()
            try project.workstream("F1", "prompt", run: "read answer < /dev/tty && echo \"got $answer\"")
            let session = try TerminalSession(["F1"], in: project.path)
            let code = try await session.finish(within: .seconds(20))
            #expect(code == 1, "stopped by SIGTTIN and hung: \(session.stderr)")
            let log = project.read(".sdp/logs/F1/prompt.log") ?? ""
            #expect(log.contains("/dev/tty"), "\(log)")
        }
    #endif

    /// A node parent's pipe is non-blocking, and the flag is the pipe's: every write beyond its
    /// capacity fails with EAGAIN unless oneshot waits for room. The pipe is shrunk to one page
    /// and read slowly, so that it is full most of the run.
    @Test func noEventIsLostOnANonBlockingStdoutReadSlowly() async throws {
        let project = try TemporaryProject()
        for index in 0..<300 { try project.workstream("F1", "w\(index)", run: ":") }
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0)
        _ = fcntl(ends[1], 1031 /* F_SETPIPE_SZ */, 4096)
        _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
        let process = Process()
        process.executableURL = OneshotBinary.url
        process.arguments = ["F1", "--json", "-j", "8"]
        process.currentDirectoryURL = URL(fileURLWithPath: project.path)
        process.standardOutput = FileHandle(fileDescriptor: ends[1], closeOnDealloc: true)
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        close(ends[1])
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 512)
        while true {
            let count = read(ends[0], &chunk, chunk.count)
            if count == -1 && errno == EINTR { continue }
            if count <= 0 { break }
            output += chunk.prefix(count)
            try await Task.sleep(for: .milliseconds(10))  // the slow reader is the fault under test
        }
        close(ends[0])
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = String(decoding: output, as: UTF8.self).split(separator: "\n")
        #expect(process.terminationStatus == 0, "\(stderr)")
        #expect(lines.filter { $0.contains(#""event":"ws_started""#) }.count == 300)
        #expect(lines.last?.contains(#""event":"run_finished""#) == true)
        #expect(!stderr.contains("could not be written"), "\(stderr)")
    }

    @Test func aLostEventStreamIsAnErrorNotSilence() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true")
        let process = Process()
        process.executableURL = OneshotBinary.url
        process.arguments = ["F1", "--json"]
        process.currentDirectoryURL = URL(fileURLWithPath: project.path)
        let events = Pipe()
        process.standardOutput = events
        let errors = Pipe()
        process.standardError = errors
        // Nobody reads the events: every write fails with EPIPE.
        try events.fileHandleForReading.close()
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(stderr.contains("oneshot: error: --json: "), "\(stderr)")
        #expect(stderr.contains("could not be written (write stdout: Broken pipe (errno 32))"), "\(stderr)")
    }

    /// In a fresh pid namespace `status` is pid 1 and named oneshot: a lock file holding `1`
    /// (a run of another namespace) made it report itself as the running run.
    @Test func statusInAFreshPidNamespaceAsksTheLockNotThePid() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "long", run: "sleep 300 & echo $! > bg.pid; wait")
        let running = try OneshotBinary.start(["F1"], in: project.path)
        #expect(await project.until { project.read("bg.pid")?.hasSuffix("\n") == true })
        let namespaced = try await statusInNewPidNamespace(project)
        #expect(namespaced.contains("a run is in progress"), "\(namespaced)")
        kill(running.pid, SIGTERM)
        _ = try await running.finish()
        try project.write(".sdp/checkpoints/F1.lock", "1\n")
        let afterwards = try await statusInNewPidNamespace(project)
        #expect(afterwards.contains("no run in progress"), "\(afterwards)")
    }

    private func statusInNewPidNamespace(_ project: TemporaryProject) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--pid", "--fork", "--mount-proc", OneshotBinary.url.path, "status", "F1"]
        process.currentDirectoryURL = URL(fileURLWithPath: project.path)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "unshare --pid needs root and a kernel with pid namespaces: \(text)")
        return text
    }

    @Test func aCommandThatChangesFolderStillFindsItsReportAndFile() async throws {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "a", run: "cd / && grep -q 'ws_id: a' \"$ONESHOT_WS_FILE\" && echo '{\"cost_usd\": 0.5}' > \"$ONESHOT_REPORT\"")
        try project.workstream("F1", "b", depends: ["a"], run: "exit 1")
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 1, "\(result.stdout)")
        #expect(result.stdout.contains("✓ a"), "\(result.stdout)")
        #expect(try savedCheckpoint(project)?.costUSD == 0.5)
    }

    @Test(arguments: [#"printf %s {file} > out.txt"#, #"printf %s "{file}" > out.txt"#, #"printf %s '{file}' > out.txt"#])
    func aPlaceholderReachesTheCommandAsOneWordAndRunsNothing(template: String) async throws {
        let project = try TemporaryProject()
        let file = #"features/F1/it's a "name" $(touch pwned) `touch pwned2` \n.md"#
        try project.write(file, "---\nws_id: a\n---\n")
        let result = try await OneshotBinary.run(["F1", "--exec", template], in: project.path)
        #expect(result.exitCode == 0, "\(result.stdout)\(result.stderr)")
        #expect(project.read("out.txt") == file)
        #expect(project.read("pwned") == nil && project.read("pwned2") == nil)
    }

    @Test func aDanglingSdpSymlinkIsNamedAsSuch() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true")
        try FileManager.default.createSymbolicLink(atPath: project.file(".sdp"), withDestinationPath: "/nonexistent/state")
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 6)
        #expect(
            result.stderr.contains("mkdir .sdp (a dangling symlink: /nonexistent/state does not exist)"), "\(result.stderr)")
    }

    /// Without a controlling terminal, in an orphaned process group, SIGTSTP, SIGTTIN and SIGTTOU
    /// stop nothing; SIGSTOP does, and the stopped command is killed and reported.
    @Test func aStoppedCommandIsKilledAndReportedInsteadOfHanging() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "stops", run: "echo hello; kill -STOP $$; echo never")
        try project.workstream("F1", "job-control", run: "kill -TSTP $$; kill -TTIN $$; kill -TTOU $$; echo survived")
        let running = try OneshotBinary.start(["F1"], in: project.path)
        let result = try await running.finish(orKillAfter: .seconds(20))
        #expect(result.exited && result.exitCode == 1, "hung with a stopped child: \(result.stdout)")
        #expect(
            result.stdout.contains("│ stopped by signal 19 (SIGSTOP): killed, as a stopped command never ends"),
            "\(result.stdout)")
        #expect(result.stdout.contains("✓ job-control"), "\(result.stdout)")
        #expect(project.read(".sdp/logs/F1/stops.log")?.contains("\nnever\n") == false, "it was continued, not killed")
    }
}

extension RunningBinary {
    /// ``finish()``, killing the process first if it is still running after `limit`: a hang
    /// fails the test instead of stalling the suite.
    func finish(orKillAfter limit: Duration) async throws -> BinaryResult {
        try await withThrowingTaskGroup(of: BinaryResult?.self) { group in
            group.addTask { try await self.finish() }
            group.addTask {
                // Cancelled once the process has ended by itself.
                if (try? await Task.sleep(for: limit)) != nil { kill(self.pid, SIGKILL) }
                return nil
            }
            var finished: BinaryResult?
            for try await case let value? in group {
                finished = value
                group.cancelAll()
            }
            return try #require(finished)
        }
    }
}
