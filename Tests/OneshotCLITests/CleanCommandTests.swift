import Foundation
import OneshotTestSupport
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

    /// A real fault: a log file made immutable (`chattr +i`, EPERM even for root). Before, the
    /// message was Foundation's, naming neither the file that could not be removed nor the
    /// errno, and what was removed before it was not said.
    @Test func aRemovalThatFailsNamesTheFileAndExits6() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo hello")
        #expect(try await OneshotBinary.run(["F1"], in: project.path).exitCode == 0)
        guard Self.chattr("+i", project.file(logs)) else {
            print("skipped: chattr +i is not permitted on \(project.path) (root on ext4 is needed)")
            return
        }
        defer { _ = Self.chattr("-i", project.file(logs)) }
        let clean = try await OneshotBinary.run(["clean", "F1"], in: project.path)
        #expect(clean.exitCode == 6)
        #expect(
            clean.stderr
                == "oneshot: error: cannot remove .sdp/logs/F1: unlink .sdp/logs/F1/a.log: Operation not permitted (errno 1)\n")
        #expect(clean.stdout == "removed \(history)\n", "what was removed before is said")
        #expect(exists(project, logs) && !exists(project, history))
    }

    /// Another file system mounted over the logs folder is left in place with what is on it.
    /// Before, clean went into it and removed the files on it.
    @Test func aFileSystemMountedUnderSdpIsLeftInPlace() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo hello")
        guard let disk = try SmallDisk(at: project.file(".sdp/logs/F1"), size: "64k") else { return }
        defer { withExtendedLifetime(project) { disk.unmount() } }
        #expect(try await OneshotBinary.run(["F1"], in: project.path).exitCode == 0)
        let clean = try await OneshotBinary.run(["clean", "F1"], in: project.path)
        #expect(clean.exitCode == 6)
        #expect(
            clean.stderr
                == "oneshot: warning: left .sdp/logs/F1 in place: a mount point (another file system or a bind mount); clean removes nothing outside .sdp's own mount\n"
        )
        #expect(clean.stdout == "removed \(history)\n")
        #expect(exists(project, logs), "the file on the other file system is kept")
    }

    /// A bind mount of a folder outside the project (the same file system: the same `st_dev`)
    /// under the logs: left in place, its files kept, the rest removed. Before, clean emptied
    /// the outside folder and then failed on the mount point (EBUSY).
    @Test func aBindMountUnderTheLogsIsLeftInPlace() async throws {
        let project = try TemporaryProject()
        let outside = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo hello")
        #expect(try await OneshotBinary.run(["F1"], in: project.path).exitCode == 0)
        try outside.write("precious/keep.txt", "keep me")
        guard let mount = try BindMount(outside.file("precious"), at: project.file(".sdp/logs/F1/deep/mnt")) else { return }
        defer { withExtendedLifetime((project, outside)) { mount.unmount() } }
        let clean = try await OneshotBinary.run(["clean", "F1", "--logs"], in: project.path)
        #expect(clean.exitCode == 6)
        #expect(
            clean.stderr
                == "oneshot: warning: left .sdp/logs/F1/deep/mnt in place: a mount point (another file system or a bind mount); clean removes nothing outside .sdp's own mount\n"
        )
        #expect(outside.read("precious/keep.txt") == "keep me")
        #expect(!exists(project, logs), "what is not under the mount is removed")
        mount.unmount()
        #expect(outside.read("precious/keep.txt") == "keep me")
    }

    /// A file bind-mounted over a log (a file of the same file system outside the project): left
    /// in place with the same warning as a folder, the rest removed. Before, its unlink failed
    /// (EBUSY) and stopped clean there, one error line, the other logs kept.
    @Test func aFileBindMountedOverALogIsLeftInPlace() async throws {
        let project = try TemporaryProject()
        let outside = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo hello")
        try project.workstream("F1", "b", run: "echo hello")
        #expect(try await OneshotBinary.run(["F1"], in: project.path).exitCode == 0)
        try outside.write("precious.txt", "keep me")
        guard let mount = try TestMount.bind(file: outside.file("precious.txt"), at: project.file(".sdp/logs/F1/a.log")) else {
            return
        }
        defer { withExtendedLifetime((project, outside)) { mount.unmount() } }
        let clean = try await OneshotBinary.run(["clean", "F1", "--logs"], in: project.path)
        #expect(clean.exitCode == 6)
        #expect(
            clean.stderr
                == "oneshot: warning: left .sdp/logs/F1/a.log in place: a mount point (another file system or a bind mount); clean removes nothing outside .sdp's own mount\n"
        )
        #expect(outside.read("precious.txt") == "keep me")
        #expect(!exists(project, ".sdp/logs/F1/b.log"), "what is not a mount point is removed")
    }

    /// Symlinks under `.sdp` are removed themselves, never followed: a symlinked `.sdp/logs`
    /// leaves the feature's logs (outside `.sdp`) in place with a warning; a link inside the
    /// logs or among the checkpoint's temporaries goes, its target stays. Before, clean removed
    /// the logs through the link.
    @Test func symlinksAreRemovedNeverFollowed() async throws {
        let project = try TemporaryProject()
        let outside = try TemporaryProject()
        try outside.write("logs/F1/a.log", "elsewhere")
        try outside.write("target.txt", "target")
        try outside.write("folder/inside.txt", "inside")
        try FileManager.default.createDirectory(atPath: project.file(".sdp/checkpoints"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: project.file(".sdp/logs"), withDestinationPath: outside.file("logs"))
        try FileManager.default.createSymbolicLink(
            atPath: project.file(".sdp/checkpoints/F1-checkpoint.json.tmp1"), withDestinationPath: outside.file("target.txt"))
        try FileManager.default.createSymbolicLink(
            atPath: project.file(".sdp/checkpoints/F1-checkpoint.json.tmp2"), withDestinationPath: outside.file("folder"))
        let clean = try await OneshotBinary.run(["clean", "F1"], in: project.path)
        #expect(clean.exitCode == 6)
        #expect(
            clean.stdout
                == "removed .sdp/checkpoints/F1-checkpoint.json.tmp1\nremoved .sdp/checkpoints/F1-checkpoint.json.tmp2\n")
        #expect(
            clean.stderr
                == "oneshot: warning: left .sdp/logs/F1 in place: .sdp/logs is a symlink; clean removes the links it finds, never what they point to\n"
        )
        #expect(outside.read("logs/F1/a.log") == "elsewhere")
        #expect(outside.read("target.txt") == "target" && outside.read("folder/inside.txt") == "inside")
        #expect(!exists(project, ".sdp/checkpoints/F1-checkpoint.json.tmp1"))
    }

    /// A symlinked `.sdp/checkpoints`: what it points to stays, said once for the checkpoint,
    /// the journal and the rest. Before, clean removed the checkpoint and journal through it.
    @Test func aSymlinkedCheckpointFolderIsSaidOnceAndLeftAlone() async throws {
        let project = try TemporaryProject()
        let outside = try TemporaryProject()
        try outside.write("checkpoints/F1-checkpoint.json", "{}")
        try outside.write("checkpoints/F1-journal.jsonl", "")
        try FileManager.default.createDirectory(atPath: project.file(".sdp"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: project.file(".sdp/checkpoints"), withDestinationPath: outside.file("checkpoints"))
        let clean = try await OneshotBinary.run(["clean", "F1", "--checkpoint"], in: project.path)
        #expect(clean.exitCode == 6)
        #expect(
            clean.stderr
                == "oneshot: warning: left .sdp/checkpoints/F1-checkpoint.json in place: .sdp/checkpoints is a symlink; clean removes the links it finds, never what they point to\n"
        )
        #expect(outside.read("checkpoints/F1-checkpoint.json") == "{}" && outside.read("checkpoints/F1-journal.jsonl") == "")
    }

    /// A link inside the feature's logs to a folder outside: the link goes, the folder stays.
    @Test func aLinkInsideTheLogsIsRemovedNotItsTarget() async throws {
        let project = try TemporaryProject()
        let outside = try TemporaryProject()
        try outside.write("folder/inside.txt", "inside")
        try project.write(logs, "log")
        try FileManager.default.createSymbolicLink(
            atPath: project.file(".sdp/logs/F1/link"), withDestinationPath: outside.file("folder"))
        let clean = try await OneshotBinary.run(["clean", "F1", "--logs"], in: project.path)
        #expect(clean.exitCode == 0, "\(clean.stderr)")
        #expect(clean.stdout == "removed .sdp/logs/F1\n")
        #expect(outside.read("folder/inside.txt") == "inside")
    }

    /// Names that are not UTF-8 are removed by their bytes and named with them escaped. Before,
    /// the listing turned them into U+FFFD: a checkpoint temporary stayed while clean said
    /// "nothing to clean" (exit 0), and a log folder holding one could not be removed.
    @Test func namesThatAreNotUTF8AreRemoved() async throws {
        let project = try TemporaryProject()
        try project.write(logs, "log")
        try FileManager.default.createDirectory(atPath: project.file(".sdp/checkpoints"), withIntermediateDirectories: true)
        for name in [".sdp/logs/F1/bad\u{FF}.log", ".sdp/checkpoints/F1-checkpoint.json.tmp\u{FE}"] {
            let bytes = Array((project.path + "/").utf8) + name.unicodeScalars.map { UInt8($0.value) } + [0]
            let fd = bytes.withUnsafeBufferPointer { pointer in
                pointer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644) }
            }
            try #require(fd >= 0)
            close(fd)
        }
        let checkpointOnly = try await OneshotBinary.run(["clean", "F1", "--checkpoint"], in: project.path)
        #expect(checkpointOnly.exitCode == 0)
        #expect(checkpointOnly.stdout == "removed .sdp/checkpoints/F1-checkpoint.json.tmp\\xFE\n")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: project.file(".sdp/checkpoints")) == ["F1.lock"],
            "only the lock clean held is left")
        let all = try await OneshotBinary.run(["clean", "F1"], in: project.path)
        #expect(all.exitCode == 0, "\(all.stderr)")
        #expect(all.stdout == "removed .sdp/logs/F1\n")
        #expect(!exists(project, ".sdp/logs/F1"))
    }

    private static func chattr(_ flag: String, _ path: String) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        process.arguments = [flag, path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// No lock file left (removed by hand, or the logs of a run whose checkpoint folder is
    /// gone): clean makes the lock and holds it while it works. Before, it took no lock then, so
    /// a run starting meanwhile had its new journal and logs removed under it.
    @Test func withoutALockFileCleanMakesAndHoldsOne() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "exit 1")
        #expect(try await OneshotBinary.run(["F1"], in: project.path).exitCode == 1)
        try FileManager.default.removeItem(atPath: project.file(".sdp/checkpoints/F1.lock"))
        let clean = try await OneshotBinary.run(["clean", "F1"], in: project.path)
        #expect(clean.exitCode == 0, "\(clean.stderr)")
        #expect(!exists(project, checkpoint) && !exists(project, logs))
        let holder = project.read(".sdp/checkpoints/F1.lock")?.trimmingCharacters(in: .newlines)
        #expect(holder.flatMap { Int32($0) } != nil, "the lock clean took names its pid: \(holder ?? "no lock")")
    }

    /// A project no run touched is not given a `.sdp` by clean.
    @Test func aProjectWithoutSdpIsLeftAsItIs() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true")
        let clean = try await OneshotBinary.run(["clean", "F1"], in: project.path)
        #expect(clean.exitCode == 0)
        #expect(clean.stdout == "F1: nothing to clean\n")
        #expect(!exists(project, ".sdp"))
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
