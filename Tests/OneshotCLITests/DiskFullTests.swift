import Foundation
import Oneshot
import OneshotTestSupport
import Testing

/// A small `tmpfs` mounted over a folder, that the test fills and frees: a real `ENOSPC`. It is
/// a ``TestMount``: unmounted even when the test process is killed, by the next test that mounts.
final class SmallDisk {
    let path: String
    private let size: String
    private let mount: TestMount

    /// Mounts `size` of tmpfs at `path` (created); `nil`, with the reason printed, when mounting
    /// is not permitted here.
    init?(at path: String, size: String = "512k") throws {
        guard let mount = try TestMount.tmpfs(at: path, size: size) else { return nil }
        self.path = path
        self.size = size
        self.mount = mount
    }

    /// Fills the disk to the last page with a file `filler`.
    func fill() throws {
        let fd = open(path + "/filler", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        defer { close(fd) }
        let page = [UInt8](repeating: 0, count: 4096)
        while page.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) > 0 {}
    }

    /// Frees the disk.
    func free() {
        unlink(path + "/filler")
    }

    /// Remounts the disk read-only: every change under it then fails with `EROFS`.
    func makeReadOnly() -> Bool {
        mount.makeReadOnly(size: size)
    }

    /// Lazily, so that an orphaned command still writing its log cannot keep it mounted.
    func unmount() {
        mount.unmount()
    }
}

/// A full disk under `.sdp/checkpoints` (the logs stay writable, so that commands do run): no
/// workstream launched without its start record, outcomes written once space returns, and a run
/// that cannot write for `--checkpoint-grace` stops with exit 6.
@Suite(.timeLimit(.minutes(2))) struct DiskFullTests {
    /// `x` fails once the gate `filled` opens, and its 60 dependents (long ids) are skipped in one
    /// journal line larger than a page, so the line cannot land in the journal's last page;
    /// `y` ends once `go` opens, and `a` (not idempotent) follows it; `r` (not idempotent) runs
    /// until `release-r` opens. Each appends `start <id>` to `ledger` (outside the tmpfs).
    private func feature(_ project: TemporaryProject) throws {
        let wait = { (gate: String) in "read _ < \(gate) || :" }
        for gate in ["filled", "go", "release-r"] { try project.gate(gate) }
        try project.workstream("F1", "x", run: "echo start x >> ledger; \(wait("filled")); exit 1")
        for index in 0..<60 {
            try project.workstream(
                "F1", "s\(index)-" + String(repeating: "p", count: 100), depends: ["x"], run: "true")
        }
        try project.workstream("F1", "y", run: "echo start y >> ledger; \(wait("go"))")
        try project.workstream("F1", "a", depends: ["y"], run: "echo start a >> ledger", extra: "idempotent: false\n")
        try project.workstream("F1", "r", run: "echo start r >> ledger; \(wait("release-r"))", extra: "idempotent: false\n")
    }

    private func starts(_ project: TemporaryProject, _ id: String) -> Int {
        (project.read("ledger") ?? "").split(separator: "\n").filter { $0 == "start \(id)" }.count
    }

    /// The JSON events printed so far with `event` == `name`.
    private func events(_ running: RunningBinary, _ name: String) -> [[String: Any]] {
        events(running.stdout, name)
    }

    /// The JSON events in `output` with `event` == `name`.
    private func events(_ output: String, _ name: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return object["event"] as? String == name ? object : nil
        }
    }

    /// Starts the run, fills the disk once x, y and r run, lets x fail (its outcome cannot be
    /// written) and then y end; returns once a retry after y's end has found the disk still full.
    private func runUntilDiskFullAfterY(_ project: TemporaryProject, disk: SmallDisk, extra: [String] = []) async throws
        -> RunningBinary
    {
        let running = try OneshotBinary.start(["F1", "-j", "4", "--json"] + extra, in: project.path)
        #expect(await project.until { ["x", "y", "r"].allSatisfy { starts(project, $0) == 1 } })
        try disk.fill()
        try project.openGate("filled")
        #expect(
            await project.until { !events(running, "checkpoint_unwritable").isEmpty },
            "no checkpoint_unwritable event: \(running.stdout)")
        try project.openGate("go")
        #expect(await project.until { events(running, "ws_finished").contains { $0["ws_id"] as? String == "y" } })
        let seen = events(running, "checkpoint_unwritable").count
        // A retry after y's end: y's completion is not written, so a must not have started.
        #expect(await project.until { events(running, "checkpoint_unwritable").count > seen })
        return running
    }

    @Test func aKillWhileTheDiskIsFullNeverStartsANonIdempotentWorkstreamTwice() async throws {
        let project = try TemporaryProject()
        try feature(project)
        guard let disk = try SmallDisk(at: project.file(".sdp/checkpoints")) else { return }
        defer { disk.unmount() }
        defer { try? project.openGate("release-r") }
        let running = try await runUntilDiskFullAfterY(project, disk: disk)
        #expect(events(running, "ws_started").allSatisfy { $0["ws_id"] as? String != "a" }, "a launched unrecorded")
        kill(running.pid, SIGKILL)
        _ = try await running.finish()
        disk.free()
        let resuming = try OneshotBinary.start(["F1", "-j", "4"], in: project.path)
        // r still runs: the resume waits for it (adopts it) rather than start it again.
        #expect(await project.until { resuming.stdout.contains("ADOPTED     r: attempt 1") }, "\(resuming.stdout)")
        try project.openGate("release-r")
        let resumed = try await resuming.finish()
        #expect(resumed.exitCode == 1, "\(resumed.stderr)")
        #expect(starts(project, "a") == 1, "a started \(starts(project, "a")) times")
        #expect(starts(project, "r") == 1, "r, running at the kill and not idempotent, started again")
    }

    @Test func outcomesRecordedWhileTheDiskIsFullAreWrittenOnceSpaceReturns() async throws {
        let project = try TemporaryProject()
        try feature(project)
        guard let disk = try SmallDisk(at: project.file(".sdp/checkpoints")) else { return }
        defer { disk.unmount() }
        defer { try? project.openGate("release-r") }
        let running = try await runUntilDiskFullAfterY(project, disk: disk)
        disk.free()
        // a starts only once y's completion is durable.
        #expect(await project.until { events(running, "ws_started").contains { $0["ws_id"] as? String == "a" } })
        kill(running.pid, SIGKILL)
        _ = try await running.finish()
        let paths = CheckpointPaths(folder: project.file(".sdp/checkpoints"), featureID: "F1")
        let saved = try #require(try CheckpointReader.load(paths)).checkpoint
        #expect(saved.completed.contains("y"))
        #expect(saved.failed.contains("x"))
        #expect(saved.skipped?.count == 60)
        #expect(Set((saved.inFlight ?? []).map(\.id)).isSuperset(of: ["r"]))
    }

    @Test func nothingWrittenForTheGracePeriodStopsTheRunWithExit6NamingWhatIsNotRecorded() async throws {
        let project = try TemporaryProject()
        try feature(project)
        guard let disk = try SmallDisk(at: project.file(".sdp/checkpoints")) else { return }
        defer { disk.unmount() }
        defer { try? project.openGate("release-r") }
        let running = try OneshotBinary.start(["F1", "-j", "4", "--json", "--checkpoint-grace", "1s"], in: project.path)
        #expect(await project.until { ["x", "y", "r"].allSatisfy { starts(project, $0) == 1 } })
        try disk.fill()
        try project.openGate("filled")
        #expect(
            await project.until { events(running, "checkpoint_failed").contains { $0["stops_run"] as? Bool == true } },
            "\(running.stdout)")
        // Running attempts end; nothing new starts.
        try project.openGate("go")
        try project.openGate("release-r")
        let result = try await running.finish()
        #expect(result.exitCode == 6, "\(result.stderr)")
        #expect(result.stderr.contains("outcomes not durably recorded: r, x, y"), "\(result.stderr)")
        #expect(starts(project, "a") == 0)
    }

    @Test func aLogThatCannotBeWrittenIsNotTheWorkstreamsFailureAndItRunsOnceThereIsSpace() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "w1", run: "echo start w1 >> ledger")
        guard let disk = try SmallDisk(at: project.file(".sdp/logs"), size: "256k") else { return }
        defer { disk.unmount() }
        try disk.fill()
        // A breaker that trips on one failure: an infrastructure error must not count.
        let running = try OneshotBinary.start(
            ["F1", "--json", "--breaker-threshold", "1", "--breaker-window", "1"], in: project.path)
        #expect(await project.until { !events(running, "infrastructure_error").isEmpty }, "\(running.stdout)")
        disk.free()
        let result = try await running.finish()
        #expect(result.exitCode == 0, "\(result.stderr)")
        let notStarted = try #require(events(result.stdout, "infrastructure_error").first)
        #expect(notStarted["ws_id"] as? String == "w1")
        #expect((notStarted["message"] as? String)?.contains("No space left on device") == true)
        #expect(notStarted["retry_in_ms"] is Int)
        #expect(events(result.stdout, "breaker").isEmpty)
        let finished = events(result.stdout, "ws_finished")
        #expect(
            finished.count == 1 && finished.first?["status"] as? String == "succeeded" && finished.first?["attempt"] as? Int == 1)
        #expect(starts(project, "w1") == 1)
    }

    @Test func attemptsThatCannotStartForTheGracePeriodEndTheRunWithExit6() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "w1", run: "echo start w1 >> ledger")
        guard let disk = try SmallDisk(at: project.file(".sdp/logs"), size: "256k") else { return }
        defer { disk.unmount() }
        try disk.fill()
        let result = try await OneshotBinary.run(["F1", "--checkpoint-grace", "1s"], in: project.path)
        #expect(result.exitCode == 6, "\(result.stderr)")
        #expect(result.stderr.contains("attempts could not be started for 1.00s"), "\(result.stderr)")
        #expect(result.stdout.contains("w1 attempt 1 not started: oneshot's own error"), "\(result.stdout)")
        #expect(!result.stdout.contains("✗"), "counted as a failure: \(result.stdout)")
        #expect(starts(project, "w1") == 0)
        // It never started: a resume must not hold it as uncertain.
        let saved = try #require(
            try CheckpointReader.load(CheckpointPaths(folder: project.file(".sdp/checkpoints"), featureID: "F1"))
        ).checkpoint
        #expect((saved.inFlight ?? []).isEmpty)
    }

    /// A `.sdp/logs` that is a dangling link (or a file) keeps oneshot from its own logs. Before,
    /// every workstream was reported failed with that error, used up its retries and tripped the
    /// breaker, though none ran.
    @Test func aLogFolderThatIsADanglingLinkIsOneshotsErrorNotTheWorkstreams() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "w1", run: "echo start w1 >> ledger")
        try project.workstream("F1", "w2", run: "echo start w2 >> ledger")
        try FileManager.default.createDirectory(atPath: project.file(".sdp"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: project.file(".sdp/logs"), withDestinationPath: "/nonexistent-logs")
        let result = try await OneshotBinary.run(
            ["F1", "--checkpoint-grace", "1s", "--breaker-threshold", "1", "--breaker-window", "1"], in: project.path)
        #expect(result.exitCode == 6, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("w1 attempt 1 not started: oneshot's own error"), "\(result.stdout)")
        #expect(result.stdout.contains("a dangling symlink"), "\(result.stdout)")
        #expect(!result.stdout.contains("✗") && !result.stdout.contains("breaker"), "counted as a failure: \(result.stdout)")
        #expect(starts(project, "w1") == 0 && starts(project, "w2") == 0)
    }
}
