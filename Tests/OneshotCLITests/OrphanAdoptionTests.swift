import Foundation
import OneshotCheckpoint
import OneshotTestSupport
import Testing

/// What a kill -9 of oneshot leaves running is adopted, not killed or run twice; what finished
/// meanwhile keeps its real outcome; nothing that is not ours is ever signalled.
@Suite(.timeLimit(.minutes(3))) struct OrphanAdoptionTests {
    /// A workstream that records its start, waits at the gate `release`, records its end.
    private let gated = "echo start >> ledger; read _ < release || :; echo end >> ledger"

    private func pid(_ project: TemporaryProject, _ file: String) throws -> Int32 {
        try #require(project.read(file).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
    }

    @Test func aStillRunningAttemptOfAKilledRunIsAdoptedAndNeverRunTwice() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "pay", run: gated, extra: "idempotent: false\n")
        try project.workstream("F1", "mail", depends: ["pay"], run: "echo mailed >> ledger")
        try project.gate("release")
        try await project.runKilledOnceItsProcessIsRecorded { project.read("ledger") == "start\n" }
        let second = try OneshotBinary.start(["F1", "--json"], in: project.path)
        #expect(await project.until { second.stdout.contains("\"adopted\":[{\"attempt\":1,\"pid\":") })
        try project.openGate("release")
        let result = try await second.finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("ADOPTED     pay: attempt 1 (pid "))
        let validator = try JSONSchemaValidator(schemaAt: JSONEventsTests.schemaPath)
        for line in result.stdout.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let problems = validator.validate(object)
            #expect(problems.isEmpty, "\(line): \(problems)")
        }
        #expect(project.read("ledger") == "start\nend\nmailed\n", "the adopted attempt ran once, its dependent after it")
        #expect(project.read(".sdp/logs/F1/pay.log")?.contains("attempt 1 (adopted from an earlier run) ended: exit 0") == true)
    }

    @Test func anAttemptThatEndedWhileNoOneshotRanKeepsItsRealOutcome() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "ok", run: gated, extra: "idempotent: false\n")
        try project.workstream("F1", "broke", run: "read _ < release || :; echo broke >> tries; exit 3")
        try project.gate("release")
        try await project.runKilledOnceItsProcessIsRecorded { project.read("ledger") == "start\n" }
        try project.openGate("release")
        #expect(await project.until { project.read("ledger") == "start\nend\n" && project.read("tries") == "broke\n" })
        #expect(
            await project.until(".sdp/logs/F1/exits") {
                project.exitStatus("F1", "ok") != nil && project.exitStatus("F1", "broke") != nil
            }
        )
        let second = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(second.exitCode == 1, "broke fails again when it runs again")
        #expect(
            second.stdout.contains("FINISHED    ok: attempt 1 ended while no oneshot was running, exit 0; kept as completed"))
        #expect(second.stdout.contains("FINISHED    broke: attempt 1 ended while no oneshot was running, exit 3; runs again"))
        #expect(project.read("ledger") == "start\nend\n", "completed meanwhile: not run again")
        #expect(project.read("tries") == "broke\nbroke\n")
    }

    /// A command that replaces its shell (`exec`) or sets its own `EXIT` trap used to leave no
    /// exit status: after a kill -9, a completed `idempotent: false` attempt was held as
    /// uncertain, and an idempotent one ran again. Such a command now runs in a subshell.
    @Test func aCommandThatExecsOrTrapsItsShellStillLeavesItsExitStatus() async throws {
        let project = try TemporaryProject()
        let wait = "read _ < release || :"
        try project.gate("release")
        try project.workstream(
            "F1", "execs", run: "echo start >> ledger; exec sh -c '\(wait); echo end >> ledger'",
            extra: "idempotent: false\n")
        try project.workstream(
            "F1", "traps", run: "trap 'echo trapped >> traps' EXIT; \(wait); exit 0", extra: "idempotent: false\n")
        try await project.runKilledOnceItsProcessIsRecorded { project.read("ledger") == "start\n" }
        try project.openGate("release")
        #expect(
            await project.until(".sdp/logs/F1/exits") {
                project.exitStatus("F1", "execs") != nil && project.exitStatus("F1", "traps") != nil
            })
        let second = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(
            second.stdout.contains("FINISHED    execs: attempt 1 ended while no oneshot was running, exit 0"), "\(second.stdout)")
        #expect(
            second.stdout.contains("FINISHED    traps: attempt 1 ended while no oneshot was running, exit 0"), "\(second.stdout)")
        #expect(project.read("ledger") == "start\nend\n", "completed meanwhile: not run again")
        #expect(project.read("traps") == "trapped\n", "the command's own trap ran too")
    }

    @Test func killOrphansTerminatesTheAttemptAndRunsItAgain() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "agent", run: "if [ -f fast ]; then exit 0; fi; sleep 300 & echo $! > bg.pid; wait")
        try await project.runKilledOnceItsProcessIsRecorded { project.read("bg.pid")?.hasSuffix("\n") == true }
        let orphan = try pid(project, "bg.pid")
        #expect(isAlive(orphan), "a kill -9 of oneshot leaves its children running")
        try project.write("fast", "")
        let second = try await OneshotBinary.run(["F1", "--kill-orphans", "--grace", "1s"], in: project.path)
        #expect(second.exitCode == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(second.stderr.contains("agent: attempt 1 from the earlier run was still running"))
        #expect(second.stderr.contains("because --kill-orphans stops such attempts"))
        #expect(second.stdout.contains("UNCERTAIN   agent: attempt 1 started"))
        #expect(await processEnds(orphan))
    }

    @Test func whatIsLeftOfAGroupWhoseLeaderDiedIsKilledOnResume() async throws {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "agent", run: "if [ -f fast ]; then exit 0; fi; echo $$ > sh.pid; sleep 300 & echo $! > bg.pid; wait")
        try await project.runKilledOnceItsProcessIsRecorded { project.read("bg.pid")?.hasSuffix("\n") == true }
        let shell = try pid(project, "sh.pid")
        let straggler = try pid(project, "bg.pid")
        kill(shell, SIGKILL)
        #expect(await processEnds(shell))
        #expect(isAlive(straggler))
        try project.write("fast", "")
        let second = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(second.exitCode == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(second.stderr.contains("agent: killed 1 process left in the group of attempt 1"))
        #expect(await processEnds(straggler))
    }

    @Test func freshAndARemovedWorkstreamTerminateWhatTheyDiscardAndSaySo() async throws {
        for removal in [false, true] {
            let project = try TemporaryProject()
            try project.workstream("F1", "old", run: "sleep 300 & echo $! > bg.pid; wait")
            try project.workstream("F1", "keep", run: "true")
            try await project.runKilledOnceItsProcessIsRecorded { project.read("bg.pid")?.hasSuffix("\n") == true }
            let orphan = try pid(project, "bg.pid")
            if removal { try FileManager.default.removeItem(atPath: project.file("features/F1/old.md")) }
            let arguments = removal ? ["F1", "--grace", "1s"] : ["F1", "--fresh", "--grace", "1s"]
            let second = try OneshotBinary.start(arguments, in: project.path)
            let why =
                removal
                ? "because its workstream is no longer in the feature" : "because --fresh discards the run that started it"
            #expect(
                await project.until { (try? String(contentsOfFile: second.errPath, encoding: .utf8))?.contains(why) == true })
            #expect(await processEnds(orphan))
            if !removal {
                #expect(
                    await project.until {
                        project.read("bg.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }.map {
                            $0 != orphan
                        } == true
                    })
                kill(second.pid, SIGTERM)
            }
            let result = try await second.finish()
            #expect(result.stderr.contains("old: attempt 1 from the earlier run was still running"), "\(result.stderr)")
        }
    }

    @Test func aRecordFromAnotherBootOrAForbiddenPidIsNeverSignalled() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "far", run: "echo far >> ledger", extra: "idempotent: false\n")
        try project.workstream("F1", "init", run: "echo init >> ledger")
        let bystander = Process()
        bystander.executableURL = URL(fileURLWithPath: "/bin/sleep")
        bystander.arguments = ["300"]
        // Not holding the test runner's output open, and killed with SIGKILL: Foundation starts
        // it with SIGTERM blocked.
        bystander.standardOutput = FileHandle.nullDevice
        bystander.standardError = FileHandle.nullDevice
        try bystander.run()
        defer {
            kill(bystander.processIdentifier, SIGKILL)
            bystander.waitUntilExit()
        }
        let start = try #require(startTime(of: bystander.processIdentifier))
        try project.write(
            ".sdp/checkpoints/F1-checkpoint.json",
            """
            {"version": "1.1", "feature_id": "F1", "timestamp": "2026-11-23T00:00:00Z", "completed": [], "failed": [], "runs": 1,
             "in_flight": [
               {"id": "far", "attempt": 1, "started_at": "2026-11-23T00:00:00Z", "run": 1, "pid": \(bystander.processIdentifier),
                "process_start": \(start), "boot_id": "00000000-0000-0000-0000-000000000000", "host": "ci-runner-7"},
               {"id": "init", "attempt": 1, "started_at": "2026-11-23T00:00:00Z", "run": 1, "pid": 1, "process_start": 99999999999,
                "boot_id": "\(bootID())", "host": "here"}]}
            """)
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(
            result.stdout.contains(
                "UNCERTAIN   far: attempt 1 started 2026-11-23T00:00:00Z, log .sdp/logs/F1/far.log; it was running on ci-runner-7 when that run died and is not signalled from here; NOT run again"
            ), "\(result.stdout)")
        #expect(result.stdout.contains("UNCERTAIN   init: attempt 1"))
        #expect(isAlive(bystander.processIdentifier), "a process of another boot's record is left alone")
        #expect(project.read("ledger") == "init\n")
    }

    /// The bystander: a real attempt's shell, left running by a killed run of another project,
    /// with its in-flight record, pid and start time, and the project it runs in (kept for the
    /// test's length). The caller kills its group.
    private func bystanderRecord() async throws -> (
        project: TemporaryProject, record: InFlightRecord, pid: Int32, start: UInt64
    ) {
        let other = try TemporaryProject()
        try other.workstream("F1", "busy", run: "sleep 300")
        try await other.runKilledOnceItsProcessIsRecorded()
        let paths = CheckpointPaths(folder: other.file(".sdp/checkpoints"), featureID: "F1")
        let record = try #require(try CheckpointReader.load(paths)?.checkpoint.inFlight?.first)
        return (other, record, try #require(record.pid), try #require(record.processStart))
    }

    /// Containers on one machine share its kernel, and so its boot id, but not their pids: a
    /// checkpoint carried from another container names someone else's process here. Before,
    /// only the boot was compared: `--kill-orphans` SIGTERMed the bystander (and a plain resume
    /// adopted it, waiting for a process that was never the attempt).
    @Test func aRecordFromAnotherHostOnThisBootIsNeverSignalled() async throws {
        let (other, _, bystander, start) = try await bystanderRecord()
        defer { withExtendedLifetime(other) { _ = kill(-bystander, SIGKILL) } }
        let project = try TemporaryProject()
        try project.workstream("F1", "far", run: "echo far >> ledger", extra: "idempotent: false\n")
        try project.write(
            ".sdp/checkpoints/F1-checkpoint.json",
            """
            {"version": "1.1", "feature_id": "F1", "timestamp": "2026-11-23T00:00:00Z", "completed": [], "failed": [], "runs": 1,
             "in_flight": [
               {"id": "far", "attempt": 1, "started_at": "2026-11-23T00:00:00Z", "run": 1, "pid": \(bystander),
                "process_start": \(start), "boot_id": "\(bootID())", "host": "another-container-7"}]}
            """)
        let result = try await OneshotBinary.run(["F1", "--kill-orphans", "--grace", "1s"], in: project.path)
        #expect(
            result.stdout.contains("it was running on another-container-7 when that run died and is not signalled from here"),
            "\(result.stdout)\n\(result.stderr)")
        #expect(!result.stderr.contains("still running"), "\(result.stderr)")
        #expect(isAlive(bystander), "a process of another host's record is left alone")
        #expect(project.read("ledger") == nil, "idempotent: false and uncertain: held")
    }

    /// A record from another pid namespace (another container that shares the boot and even
    /// the host name): its pid names someone else's process here, so it is never signalled or
    /// adopted; the attempt is handled as one whose process cannot be checked: retried when
    /// idempotent, held when `idempotent: false`. Before, `--kill-orphans` SIGTERMed the
    /// bystander and the idempotent attempt was "adopted", waiting on a process it never was.
    @Test func aRecordFromAnotherPidNamespaceIsNeverSignalled() async throws {
        let (other, record, bystander, start) = try await bystanderRecord()
        defer { withExtendedLifetime(other) { _ = kill(-bystander, SIGKILL) } }
        // `pid:[4026531836]`: the namespace's inode.
        let link = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")
        let here = try #require(UInt64(link.filter(\.isNumber)))
        #expect(record.pidNamespace == here, "recorded with the attempt")
        let project = try TemporaryProject()
        try project.workstream("F1", "far", run: "echo far >> ledger", extra: "idempotent: false\n")
        try project.workstream("F1", "near", run: "echo near >> ledger")
        let elsewhere = """
            "pid": \(bystander), "process_start": \(start), "boot_id": "\(bootID())", "host": "\(hostName())",
            "pid_namespace": \(here + 1)
            """
        try project.write(
            ".sdp/checkpoints/F1-checkpoint.json",
            """
            {"version": "1.1", "feature_id": "F1", "timestamp": "2026-11-23T00:00:00Z", "completed": [], "failed": [], "runs": 1,
             "in_flight": [
               {"id": "far", "attempt": 1, "started_at": "2026-11-23T00:00:00Z", "run": 1, \(elsewhere)},
               {"id": "near", "attempt": 1, "started_at": "2026-11-23T00:00:00Z", "run": 1, \(elsewhere)}]}
            """)
        let result = try await OneshotBinary.run(["F1", "--kill-orphans", "--grace", "1s"], in: project.path)
        #expect(
            result.stdout.contains(
                "it was running in another pid namespace (pid:[\(here + 1)]: another container) when that run died and is not signalled from here"
            ), "\(result.stdout)\n\(result.stderr)")
        #expect(result.exitCode == 8, "far is held: \(result.stdout)")
        #expect(isAlive(bystander), "a process of another namespace's record is left alone")
        #expect(project.read("ledger") == "near\n", "idempotent: run again; idempotent: false: held")
    }

    /// `--fresh` after a kill -9: an attempt whose shell had ended but left `(sleep 300 &)` in
    /// its group. Before, only running leaders were stopped, so the straggler ran on untracked.
    @Test func freshKillsWhatIsLeftOfADiscardedAttemptsGroup() async throws {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "agent", run: "if [ -f fast ]; then exit 0; fi; echo $$ > sh.pid; sleep 300 & echo $! > bg.pid; wait")
        try await project.runKilledOnceItsProcessIsRecorded { project.read("bg.pid")?.hasSuffix("\n") == true }
        let shell = try pid(project, "sh.pid")
        let straggler = try pid(project, "bg.pid")
        let stragglerLeftover = Leftover(straggler)
        defer { stragglerLeftover.end() }
        kill(shell, SIGKILL)
        #expect(await processEnds(shell))
        try project.write("fast", "")
        let second = try await OneshotBinary.run(["F1", "--fresh"], in: project.path)
        #expect(second.exitCode == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(second.stderr.contains("agent: killed 1 process left in the group of attempt 1"), "\(second.stderr)")
        #expect(await processEnds(straggler))
    }

    /// `setsid cmd &` (a daemon) escapes its attempt's group; oneshot's subreaper ends it with
    /// the attempt, but after a kill -9 it is re-parented to init. Before, a resume found it
    /// nowhere and it ran on untracked, whether the attempt had ended meanwhile or was adopted.
    @Test func whatAnAttemptStartedOutsideItsGroupEndsWithItAfterAKill() async throws {
        for adopted in [false, true] {
            let project = try TemporaryProject()
            try project.workstream(
                "F1", "agent",
                run: "setsid sleep 300 & echo $! > bg.pid; read _ < release || :")
            try project.gate("release")
            try await project.runKilledOnceItsProcessIsRecorded { project.read("bg.pid")?.hasSuffix("\n") == true }
            let escapee = try pid(project, "bg.pid")
            let escapeeLeftover = Leftover(escapee)
            defer { escapeeLeftover.end() }
            #expect(isAlive(escapee))
            if !adopted {
                try project.openGate("release")
                #expect(await project.until(".sdp/logs/F1/exits") { project.exitStatus("F1", "agent") != nil })
            }
            let second = try OneshotBinary.start(["F1"], in: project.path)
            if adopted {
                #expect(await project.until { second.stdout.contains("ADOPTED     agent: attempt 1") })
                #expect(isAlive(escapee), "the adopted attempt still runs: so does what it started")
                try project.openGate("release")
            }
            let result = try await second.finish()
            #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
            #expect(await processEnds(escapee), "adopted: \(adopted)")
        }
    }

    /// `--fresh` over a checkpoint that no longer loads (a snapshot cut short): before, nothing
    /// of it was read, so the dead run's attempt ran on beside the new one: an
    /// `idempotent: false` workstream ran twice at once. Its records are now salvaged (the
    /// journal holds the process) and its attempt stopped before anything new starts.
    @Test func freshStopsTheAttemptsOfACheckpointThatNoLongerLoads() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "pay", run: "echo $$ > sh.pid; " + gated, extra: "idempotent: false\n")
        try project.gate("release")
        try await project.runKilledOnceItsProcessIsRecorded { project.read("ledger") == "start\n" }
        let orphan = try pid(project, "sh.pid")
        let orphanLeftover = Leftover(orphan)
        defer { orphanLeftover.end(group: true) }
        try project.write(".sdp/checkpoints/F1-checkpoint.json", "{\"version\": \"1.1\", \"feature_id\": \"F1\", \"trunc")
        let second = try OneshotBinary.start(["F1", "--fresh", "--grace", "1s"], in: project.path)
        #expect(await project.until { project.read("ledger") == "start\nstart\n" })
        #expect(!isAlive(orphan), "the discarded run's attempt runs beside the new one")
        try project.openGate("release")
        let result = try await second.finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("because --fresh discards the run that started it"), "\(result.stderr)")
        #expect(project.read("ledger") == "start\nstart\nend\n")
    }

    /// A kill between an attempt's launch record and the record of its process (about one
    /// attempt in fifteen when oneshot is killed -9 as attempts start) left a record without a
    /// pid: the attempt was UNCERTAIN though it still ran, an `idempotent: false` one held
    /// (exit 8) and an idempotent one started again beside it. Its shell is now found by the
    /// environment it started with, and adopted.
    @Test func anAttemptWhosePidWasNeverRecordedIsFoundAndAdopted() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "pay", run: gated, extra: "idempotent: false\n")
        try project.gate("release")
        try await project.runKilledOnceItsProcessIsRecorded { project.read("ledger") == "start\n" }
        let paths = CheckpointPaths(folder: project.file(".sdp/checkpoints"), featureID: "F1")
        let record = try #require(try CheckpointReader.load(paths)?.checkpoint.inFlight?.first)
        let shell = try #require(record.pid)
        let shellLeftover = Leftover(shell)
        defer { shellLeftover.end(group: true) }
        // What a kill between the launch and the record of its process leaves: no pid.
        try project.write(
            ".sdp/checkpoints/F1-checkpoint.json",
            """
            {"version": "1.1", "feature_id": "F1", "timestamp": "\(record.startedAt)", "completed": [], "failed": [], "runs": 1,
             "in_flight": [{"id": "pay", "attempt": 1, "started_at": "\(record.startedAt)", "run": 1}]}
            """)
        try FileManager.default.removeItem(atPath: project.file(".sdp/checkpoints/F1-journal.jsonl"))
        let second = try OneshotBinary.start(["F1"], in: project.path)
        #expect(await project.until { second.stdout.contains("ADOPTED     pay: attempt 1 (pid \(shell))") })
        try project.openGate("release")
        let result = try await second.finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(project.read("ledger") == "start\nend\n", "adopted, not held nor run again")
    }

    @Test func aNonIdempotentAttemptStoppedBySIGINTIsUncertainNotRunAgain() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "pay", run: gated, extra: "idempotent: false\n")
        try project.gate("release")
        let first = try OneshotBinary.start(["F1", "--grace", "1s"], in: project.path)
        #expect(await project.until { project.read("ledger") == "start\n" })
        kill(first.pid, SIGINT)
        let stopped = try await first.finish()
        #expect(stopped.exitCode == 130, "\(stopped.stdout)\n\(stopped.stderr)")
        try project.openGate("release")
        let resumed = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(resumed.exitCode == 8, "held for a decision, not run again: \(resumed.stdout)")
        #expect(resumed.stdout.contains("UNCERTAIN   pay: attempt 1"), "\(resumed.stdout)")
        #expect(project.read("ledger") == "start\n", "a payment stopped midway is not made again unasked")
    }

    private func startTime(of pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) : nil
    }

    private func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private func bootID() -> String {
        ((try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)) ?? "").trimmingCharacters(
            in: .whitespacesAndNewlines)
    }
}
