import Foundation
import Testing

/// A launch error waiting cannot mend ends the run at once, with one line naming the path and
/// the errno, exit 6; a lack of resources is still retried for `--checkpoint-grace`
/// (DiskFullTests).
@Suite(.timeLimit(.minutes(3))) struct LastingLaunchErrorTests {
    /// `.sdp/logs` is a file: every log open fails with ENOTDIR. Before, the run retried for the
    /// whole `--checkpoint-grace` (60 s by default) and ended with "attempts could not be
    /// started for 3.00s for oneshot's own reasons (descriptors, processes, disk space)".
    @Test func aLogFolderThatIsAFileStopsTheRunAtOnce() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo ran >> ledger")
        try project.write(".sdp/logs", "not a folder")
        let result = try await OneshotBinary.run(["F1", "--checkpoint-grace", "3s"], in: project.path)
        #expect(result.exitCode == 6, "\(result.stdout)\n\(result.stderr)")
        #expect(
            result.stderr
                == "oneshot: error: a attempt 1 could not be started: open .sdp/logs/F1/a.log: Not a directory (errno 20); waiting would not mend it: the run stopped at once\n"
        )
        #expect(!result.stdout.contains("retry in"), "\(result.stdout)")
        #expect(project.read("ledger") == nil)
    }

    /// A real EACCES from `posix_spawn`: in a mount namespace of its own, `/bin/sh` is a file
    /// that is not executable. Before, the attempt was counted as the workstream's failure
    /// (exit 1, its retries used, the breaker told), though its command never ran.
    @Test func aShellThatCannotBeExecutedStopsTheRunAtOnce() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo ran >> ledger")
        try project.write("not-a-program", "not a program\n")
        let launcher = [
            "/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/bash", "-c",
            "mount --bind \"$0\" /bin/sh && exec \"$@\"", project.file("not-a-program"),
        ]
        let result = try await OneshotBinary.start(["F1", "--checkpoint-grace", "3s"], in: project.path, launcher: launcher)
            .finish()
        if result.stderr.hasPrefix("unshare:") || result.stderr.hasPrefix("mount:") {
            print("skipped: cannot make a mount namespace here (\(result.stderr.prefix(200))); root is needed")
            return
        }
        #expect(result.exitCode == 6, "\(result.stdout)\n\(result.stderr)")
        #expect(
            result.stderr
                == "oneshot: error: a attempt 1 could not be started: posix_spawn /bin/sh: Permission denied (errno 13); waiting would not mend it: the run stopped at once\n"
        )
        #expect(!result.stdout.contains("✗"), "not the workstream's failure: \(result.stdout)")
        #expect(project.read("ledger") == nil)
    }

    /// A log that is a FIFO no one reads: ENXIO at once. Before, the log's `open` blocked for
    /// good, and the run could not even be stopped by SIGTERM (its launch thread never returned).
    @Test func aLogThatIsAFIFOWithoutAReaderStopsTheRunAtOnce() async throws {
        let project = try TemporaryProject()
        // `b`'s log is opened ahead while `a` runs (a chain's next step), then at its launch.
        try project.workstream("F1", "a", run: "echo a >> ledger")
        try project.workstream("F1", "b", depends: ["a"], run: "echo b >> ledger")
        try FileManager.default.createDirectory(atPath: project.file(".sdp/logs/F1"), withIntermediateDirectories: true)
        try #require(mkfifo(project.file(".sdp/logs/F1/b.log"), 0o644) == 0)
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 6, "\(result.stdout)\n\(result.stderr)")
        #expect(
            result.stderr
                == "oneshot: error: b attempt 1 could not be started: open .sdp/logs/F1/b.log: No such device or address (errno 6); waiting would not mend it: the run stopped at once\n"
        )
        #expect(project.read("ledger") == "a\n")
    }

    /// A command longer than the system takes for one argument (`E2BIG`, 128 KiB on Linux) is
    /// the workstream's own: it fails, with the reason in its log, and the rest of the feature
    /// runs. Before, it stopped the whole run at once (exit 6), and every resume the same way:
    /// `c`, independent, never ran.
    @Test func aCommandTooLongToStartFailsItsWorkstreamNotTheRun() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo a >> ledger")
        try project.workstream("F1", "big", depends: ["a"], run: "echo " + String(repeating: "x", count: 140_000))
        try project.workstream("F1", "c", depends: ["a"], run: "echo c >> ledger")
        let result = try await OneshotBinary.run(["F1", "-j", "1", "--no-breaker"], in: project.path)
        #expect(result.exitCode == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(project.read("ledger") == "a\nc\n")
        #expect(result.stdout.contains("Argument list too long"), "\(result.stdout)")
        #expect(project.read(".sdp/logs/F1/big.log")?.contains("its command and environment are too long to start") == true)
    }

    /// A log folder removed while attempts start (each of 300 commands removes
    /// `.sdp/logs/F1`) is made again: an `ENOENT` between making the folder and opening the log
    /// in it does not stop the run. Before, 4 runs in 6 stopped at once with exit 6, "open
    /// .sdp/logs/F1/w197.log: No such file or directory; waiting would not mend it".
    @Test func aLogFolderRemovedWhileAttemptsStartIsMadeAgain() async throws {
        let project = try TemporaryProject()
        let logs = project.file(".sdp/logs/F1")
        // `|| true`: two removals at once may fail each other (a folder not empty yet).
        for index in 1...300 { try project.workstream("F1", "w\(index)", run: "rm -rf '\(logs)' || true") }
        let result = try await OneshotBinary.run(["F1", "-j", "4", "--no-breaker"], in: project.path)
        #expect(result.exitCode == 0, "\(result.stdout.suffix(300))\n\(result.stderr)")
        #expect(result.stdout.contains("300 succeeded"), "\(result.stdout.suffix(300))")
    }

    /// A real ETXTBSY from `posix_spawn`: in a mount namespace of its own, `/bin/sh` is a copy
    /// of the shell that a process holds open for writing (as an upgrade copying it in place
    /// would) until the gate opens. That passes: the attempt is retried and runs. Before, the
    /// run stopped at once, exit 6, "Text file busy (errno 26); waiting would not mend it".
    @Test func aShellBeingWrittenIsWaitedFor() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo a >> ledger")
        try FileManager.default.copyItem(atPath: "/bin/dash", toPath: project.file("shell-copy"))
        try project.gate("release")
        // The writer is a background subshell that inherits the descriptor, then waits on the gate.
        let script =
            "src=\"$0\"; gate=\"$1\"; shift; mount --bind \"$src\" /bin/sh || exit 99; exec 7>>\"$src\"; (read _ < \"$gate\") & exec 7>&-; exec \"$@\""
        let launcher = [
            "/usr/bin/unshare", "--mount", "--propagation", "private", "/bin/bash", "-c", script,
            project.file("shell-copy"), project.file("release"),
        ]
        let running = try OneshotBinary.start(["F1", "--checkpoint-grace", "30s"], in: project.path, launcher: launcher)
        let busy = await project.until { running.stdout.contains("Text file busy") || !running.process.isRunning }
        try project.openGate("release")
        let result = try await running.finish()
        if result.stderr.hasPrefix("unshare:") || result.stderr.hasPrefix("mount:") {
            print("skipped: cannot make a mount namespace here (\(result.stderr.prefix(200))); root is needed")
            return
        }
        #expect(busy)
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("(posix_spawn /bin/sh: Text file busy (errno 26)); retry in"), "\(result.stdout)")
        #expect(project.read("ledger") == "a\n")
    }
}
