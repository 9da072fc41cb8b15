import Foundation
import Testing

/// `oneshot clean F`: removes the checkpoint, journal, history and logs, or only those chosen;
/// refused while a run holds the lock (see RunningFeatureCommandsTests) or an attempt of a dead
/// run still runs.
@Suite(.timeLimit(.minutes(5))) struct CleanCommandTests {
    private let checkpoint = ".sdp/checkpoints/F1-checkpoint.json"
    private let logs = ".sdp/logs/F1/a.log"
    private let history = ".sdp/history/F1.json"

    private func exists(_ project: TemporaryProject, _ path: String) -> Bool {
        FileManager.default.fileExists(atPath: project.file(path))
    }

    @Test func removesWhatIsChosenOrEverything() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true")
        _ = try await OneshotBinary.run(["F1"], in: project.path)
        try project.workstream("F1", "b", run: "exit 1")
        _ = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(exists(project, checkpoint) && exists(project, logs) && exists(project, history))

        let onlyLogs = try await OneshotBinary.run(["clean", "F1", "--logs"], in: project.path)
        #expect(onlyLogs.exitCode == 0)
        #expect(onlyLogs.stdout == "removed .sdp/logs/F1\n")
        #expect(!exists(project, logs) && exists(project, checkpoint) && exists(project, history))

        let onlyHistory = try await OneshotBinary.run(["clean", "F1", "--history"], in: project.path)
        #expect(onlyHistory.stdout == "removed \(history)\n")
        #expect(exists(project, checkpoint))

        _ = try await OneshotBinary.run(["F1"], in: project.path)
        let all = try await OneshotBinary.run(["clean", "F1"], in: project.path)
        #expect(all.exitCode == 0)
        for path in [checkpoint, ".sdp/checkpoints/F1-journal.jsonl", ".sdp/logs/F1"] {
            #expect(!exists(project, path), "\(path) left")
            #expect(all.stdout.contains("removed \(path)") || path.hasSuffix(".jsonl"), "\(all.stdout)")
        }
        let list = try await OneshotBinary.run(["list"], in: project.path)
        #expect(list.stdout.contains("F1       never run"), "\(list.stdout)")
        let again = try await OneshotBinary.run(["clean", "F1"], in: project.path)
        #expect(again.stdout == "F1: nothing to clean\n")
    }

    @Test func refusedWhileAnAttemptOfADeadRunStillRuns() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo started; read _ < gate || :")
        try project.gate("gate")
        try await project.runKilledOnceItsProcessIsRecorded()
        // The logs hold the exit file the attempt's shell writes as it ends: removing them would
        // lose its outcome (an `idempotent: false` attempt would then be held).
        let logsOnly = try await OneshotBinary.run(["clean", "F1", "--logs"], in: project.path)
        #expect(logsOnly.exitCode == 3)
        #expect(logsOnly.stderr.contains("a still runs (pid "), "\(logsOnly.stderr)")
        #expect(exists(project, ".sdp/logs/F1"))
        let clean = try await OneshotBinary.run(["clean", "F1"], in: project.path)
        #expect(clean.exitCode == 3)
        #expect(clean.stderr.contains("a still runs (pid "), "\(clean.stderr)")
        #expect(exists(project, checkpoint))
        try project.openGate("gate")
        // The next run settles the attempt from its exit status; then clean goes ahead.
        #expect(try await OneshotBinary.run(["F1"], in: project.path).exitCode == 0)
        #expect(try await OneshotBinary.run(["clean", "F1"], in: project.path).exitCode == 0)
    }

    /// A snapshot cut short no longer loads, but its journal still names the running attempt:
    /// before, clean removed both and left the attempt running untracked.
    @Test func refusedWhileAnAttemptRunsEvenWhenTheCheckpointIsDamaged() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo started; read _ < gate || :")
        try project.gate("gate")
        try await project.runKilledOnceItsProcessIsRecorded()
        defer { try? project.openGate("gate") }
        try project.write(checkpoint, "{\"version\": \"1.1\", \"feature_id\": \"F1\", \"trunc")
        let clean = try await OneshotBinary.run(["clean", "F1"], in: project.path)
        #expect(clean.exitCode == 3, "\(clean.stdout)\n\(clean.stderr)")
        #expect(clean.stderr.contains("a still runs (pid "), "\(clean.stderr)")
        #expect(exists(project, ".sdp/checkpoints/F1-journal.jsonl"))
    }

    /// A real fault: the logs on a read-only tmpfs. Before, the message was Foundation's, naming
    /// neither the file that could not be removed nor the errno, and what was removed before it
    /// was not said.
    @Test func aRemovalThatFailsNamesTheFileAndExits6() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo hello")
        guard let disk = try SmallDisk(at: project.file(".sdp/logs/F1"), size: "64k") else { return }
        defer { withExtendedLifetime(project) { disk.unmount() } }
        #expect(try await OneshotBinary.run(["F1"], in: project.path).exitCode == 0)
        try #require(disk.makeReadOnly())
        let clean = try await OneshotBinary.run(["clean", "F1"], in: project.path)
        #expect(clean.exitCode == 6)
        #expect(
            clean.stderr
                == "oneshot: error: cannot remove .sdp/logs/F1: unlink .sdp/logs/F1/a.log: Read-only file system (errno 30)\n")
        #expect(clean.stdout == "removed \(history)\n", "what was removed before is said")
        #expect(exists(project, logs) && !exists(project, history))
    }

    /// `.sdp/checkpoints` is a file: there is no checkpoint in it, so nothing to clean there.
    @Test func aCheckpointFolderThatIsAFileHoldsNothingToClean() async throws {
        let project = try TemporaryProject()
        try project.write(".sdp/checkpoints", "not a folder")
        let clean = try await OneshotBinary.run(["clean", "F1", "--checkpoint"], in: project.path)
        #expect(clean.exitCode == 0)
        #expect(clean.stdout == "F1: nothing to clean\n")
    }
}
