import Foundation
import OneshotCheckpoint
import OneshotTestSupport
import Testing

/// UNCERTAIN work (running when its run died, its end unknown) is verified with its `verify:`
/// command before anything runs: exit 0 keeps it as completed, not run again; otherwise it runs
/// again when idempotent and is held (exit 8) when not. Through the binary, after a real kill -9.
@Suite(.timeLimit(.minutes(3))) struct VerifyEndToEndTests {
    /// Records its start, then `marker` once its work is done, and waits at the gate `release`.
    private func gated(_ name: String, doneFirst: Bool) -> String {
        let wait = "read _ < release || :"
        let work = "touch \(name).done"
        return "echo \(name) >> ledger; " + (doneFirst ? "\(work); \(wait)" : "\(wait); \(work)")
    }

    /// A kill -9 of oneshot with the machine lost: the attempt's whole group dies with it, so no
    /// process is left to adopt and no exit status to read: UNCERTAIN.
    private func killRunAndItsAttempt(_ project: TemporaryProject, until ready: @escaping @Sendable () -> Bool) async throws {
        try await project.runKilledOnceItsProcessIsRecorded(until: ready)
        let paths = CheckpointPaths(folder: project.file(".sdp/checkpoints"), featureID: "F1")
        let records = try #require(try CheckpointReader.load(paths)).checkpoint.inFlight ?? []
        for pid in records.compactMap(\.pid) {
            kill(-pid, SIGKILL)
            #expect(await processEnds(pid))
        }
    }

    @Test func aNonIdempotentWorkstreamWhoseVerifyPassesIsKeptAndNeverRunTwice() async throws {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "pay", run: gated("pay", doneFirst: true), extra: "idempotent: false\nverify: test -f pay.done\n")
        try project.gate("release")
        try project.workstream("F1", "mail", depends: ["pay"], run: "echo mail >> ledger")
        try await killRunAndItsAttempt(project) { project.read("pay.done") != nil }
        try project.openGate("release")
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("verifying pay before resuming: its attempt 1 was running when its run died"))
        #expect(result.stdout.contains("PRESERVED   1: pay (verified)"), "\(result.stdout)")
        #expect(
            result.stdout.contains(
                "VERIFIED    pay: attempt 1 was running when its run died; `test -f pay.done` exited 0: kept as completed, not run again"
            ))
        #expect(project.read("ledger") == "pay\nmail\n", "pay ran once, its dependent after it")
        let log = try #require(project.read(".sdp/logs/F1/pay.log"))
        #expect(log.contains("=== pay verify of attempt 1 (its end unknown)"), "\(log)")
        #expect(log.contains("=== pay verify of attempt 1 ended: exit 0"), "\(log)")
    }

    /// `pay` (`idempotent: false`, verified by `pay.done`) and its dependent `mail`: the run and
    /// pay's attempt killed after pay wrote its ledger line and before its done mark.
    private func payKilledBeforeItsDoneMark() async throws -> TemporaryProject {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "pay", run: gated("pay", doneFirst: false), extra: "idempotent: false\nverify: test -f pay.done\n")
        try project.gate("release")
        try project.workstream("F1", "mail", depends: ["pay"], run: "echo mail >> ledger")
        try await killRunAndItsAttempt(project) { project.read("ledger") == "pay\n" }
        try project.openGate("release")
        return project
    }

    @Test func aNonIdempotentWorkstreamWhoseVerifyFailsIsHeldWithExit8() async throws {
        let project = try await payKilledBeforeItsDoneMark()
        let held = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(held.exitCode == 8, "\(held.stdout)\n\(held.stderr)")
        #expect(
            held.stdout.contains("UNCERTAIN   pay: attempt 1 started")
                && held.stdout.contains("verify `test -f pay.done` failed (exit 1); NOT run again"), "\(held.stdout)")
        #expect(
            held.stdout.contains(
                "HELD        pay: idempotent: false, attempt 1 (started "),
            "\(held.stdout)")
        #expect(
            held.stdout.contains(
                "its verify `test -f pay.done` failed (exit 1): check its log .sdp/logs/F1/pay.log, then release it: `oneshot F1 --rerun-uncertain` runs it again, or 'status: completed' in features/F1/pay.md keeps it as done"
            ), "\(held.stdout)")
        #expect(held.stdout.contains("held: 1 held, 1 not run"), "\(held.stdout)")
        #expect(project.read("ledger") == "pay\n", "pay not run again unasked, mail not run")
        let plan = try await OneshotBinary.run(["plan", "F1"], in: project.path)
        #expect(
            plan.stdout.contains(
                "verify with `test -f pay.done` first: kept as completed if it exits 0, else hold (idempotent: false; --rerun-uncertain)"
            ), "\(plan.stdout)")
        // Still held on the next run, verified again; the JSON stream says so in its schema.
        let again = try await OneshotBinary.run(["F1", "--json"], in: project.path)
        #expect(again.exitCode == 8)
        let events = try jsonEvents(again.stdout)
        let resumePlan = try #require(events.first { $0["event"] as? String == "resume_plan" })
        let uncertain = try #require((resumePlan["uncertain"] as? [[String: Any]])?.first)
        #expect(uncertain["verify"] as? String == "test -f pay.done")
        #expect(uncertain["verify_failure"] as? String == "exit 1")
        #expect(uncertain["rerun"] as? Bool == false)
        let finished = try #require(events.first { $0["event"] as? String == "run_finished" })
        #expect(finished["status"] as? String == "held")
        #expect(finished["exit_code"] as? Int == 8)
        #expect((finished["counts"] as? [String: Int])?["held"] == 1)
        // Released by the command it names.
        let released = try await OneshotBinary.run(["F1", "--rerun-uncertain"], in: project.path)
        #expect(released.exitCode == 0, "\(released.stdout)\n\(released.stderr)")
        #expect(project.read("ledger") == "pay\npay\nmail\n")
    }

    /// A verify that cannot be started for a lasting reason (its log is a folder: EISDIR) says so
    /// on one line and stops the run at once with exit 6, as an attempt's launch error does; it
    /// never vouches: fixed, the next run verifies again, and the verify then decides.
    @Test func aVerifyThatCannotStartForALastingReasonStopsTheRunAndNeverVouches() async throws {
        let project = try await payKilledBeforeItsDoneMark()
        let log = project.file(".sdp/logs/F1/pay.log")
        try FileManager.default.removeItem(atPath: log)
        try FileManager.default.createDirectory(atPath: log, withIntermediateDirectories: false)
        let stopped = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(stopped.exitCode == 6, "\(stopped.stdout)\n\(stopped.stderr)")
        let errors = stopped.stderr.split(separator: "\n").filter { $0.hasPrefix("oneshot: error:") }
        #expect(
            errors == [
                "oneshot: error: the verify: command of pay could not be started: open .sdp/logs/F1/pay.log: Is a directory (errno 21); waiting would not mend it: the run stopped at once, nothing launched"
            ], "\(stopped.stderr)")
        #expect(project.read("ledger") == "pay\n", "nothing run")
        try FileManager.default.removeItem(atPath: log)
        let held = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(held.exitCode == 8, "still uncertain, its verify now fails: \(held.stdout)\n\(held.stderr)")
        #expect(held.stdout.contains("verify `test -f pay.done` failed (exit 1); NOT run again"), "\(held.stdout)")
        #expect(project.read("ledger") == "pay\n", "pay not run again unasked, mail not run")
    }

    @Test func anIdempotentWorkstreamWhoseVerifyFailsRunsAgain() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "build", run: gated("build", doneFirst: false), extra: "verify: test -f build.done\n")
        try project.gate("release")
        try await killRunAndItsAttempt(project) { project.read("ledger") == "build\n" }
        try project.openGate("release")
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("verify `test -f build.done` failed (exit 1); runs again"), "\(result.stdout)")
        #expect(project.read("ledger") == "build\nbuild\n")
        #expect(project.read(".sdp/logs/F1/build.log")?.contains("=== build verify of attempt 1 ended: exit 1") == true)
    }

    @Test func aVerifyThatOutlastsItsTimeoutFailsAndHolds() async throws {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "pay", run: "echo pay >> ledger",
            extra: "idempotent: false\ntimeout: 500ms\nverify: echo $$ > verify.pid; exec sleep 60\n")
        try project.write(
            ".sdp/checkpoints/F1-checkpoint.json",
            """
            {"version": "1.1", "feature_id": "F1", "timestamp": "2026-11-23T00:00:00Z", "completed": [], "failed": [],
             "in_flight": [{"id": "pay", "attempt": 1, "started_at": "2026-11-23T00:00:00Z", "run": 1}], "runs": 1}
            """)
        let result = try await OneshotBinary.run(["F1", "--grace", "1s"], in: project.path)
        #expect(result.exitCode == 8, "\(result.stdout)\n\(result.stderr)")
        #expect(
            result.stdout.contains("verify `echo $$ > verify.pid; exec sleep 60` failed (timed out after 0.50s)"),
            "\(result.stdout)")
        let verifier = try #require(
            project.read("verify.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        #expect(!isVerifySleep(verifier), "a timed-out verify is terminated")
        #expect(project.read("ledger") == nil)
    }

    @Test func aSignalDuringVerifyStopsItAndKeepsTheCheckpoint() async throws {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "pay", run: "echo pay >> ledger", extra: "idempotent: false\nverify: echo $$ > verify.pid; exec sleep 60\n")
        try project.write(
            ".sdp/checkpoints/F1-checkpoint.json",
            """
            {"version": "1.1", "feature_id": "F1", "timestamp": "2026-11-23T00:00:00Z", "completed": [], "failed": [],
             "in_flight": [{"id": "pay", "attempt": 1, "started_at": "2026-11-23T00:00:00Z", "run": 1}], "runs": 1}
            """)
        let running = try OneshotBinary.start(["F1", "--grace", "1s"], in: project.path)
        #expect(await project.until { project.read("verify.pid")?.hasSuffix("\n") == true })
        let verifier = try #require(
            project.read("verify.pid").flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
        kill(running.pid, SIGINT)
        let stopped = try await running.finish()
        #expect(stopped.exitCode == 130, "\(stopped.stdout)\n\(stopped.stderr)")
        // Not a silent exit: it says what happened and how to go on.
        #expect(
            stopped.stderr.contains(
                "received SIGINT while verifying: the verify command was stopped; checkpoint saved: .sdp/checkpoints/F1-checkpoint.json; run the same command to resume"
            ), "\(stopped.stderr)")
        #expect(!isVerifySleep(verifier), "nothing oneshot started outlives it")
        let paths = CheckpointPaths(folder: project.file(".sdp/checkpoints"), featureID: "F1")
        let saved = try #require(try CheckpointReader.load(paths)).checkpoint
        #expect((saved.inFlight ?? []).map(\.id) == ["pay"], "still uncertain for the next run")
        #expect(project.read("ledger") == nil)
    }

    @Test func aSignalAfterVerifyingStillStopsTheRun() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "pay", run: "echo pay >> ledger", extra: "idempotent: false\nverify: \"true\"\n")
        try project.workstream(
            "F1", "long", depends: ["pay"],
            run: "echo long >> ledger; read _ < release || :")
        try project.gate("release")
        try project.write(
            ".sdp/checkpoints/F1-checkpoint.json",
            """
            {"version": "1.1", "feature_id": "F1", "timestamp": "2026-11-23T00:00:00Z", "completed": [], "failed": [],
             "in_flight": [{"id": "pay", "attempt": 1, "started_at": "2026-11-23T00:00:00Z", "run": 1}], "runs": 1}
            """)
        let running = try OneshotBinary.start(["F1", "--grace", "1s"], in: project.path)
        #expect(await project.until { project.read("ledger") == "long\n" })
        kill(running.pid, SIGINT)
        let stopped = try await running.finish()
        // The verify step's signal watcher must leave the run's working: it lost this SIGINT once.
        #expect(stopped.exited && stopped.exitCode == 130, "\(stopped.stdout)\n\(stopped.stderr)")
        #expect(stopped.stderr.contains("received SIGINT: stopping running workstreams"))
        #expect(stopped.stdout.contains("PRESERVED   1: pay (verified)"))
    }

    @Test func lostWorkIsReportedWithItsTimeToRecreate() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true")
        try project.workstream("F1", "b", run: "true")
        try project.workstream("F1", "c", run: "true")
        try project.write(
            ".sdp/checkpoints/F1-checkpoint.json",
            """
            {"version": "1.1", "feature_id": "F1", "timestamp": "2026-11-23T00:00:00Z", "completed": [], "failed": ["a"],
             "interrupted": ["b", "c"], "runs": 2,
             "workstreams": {"a": {"attempts": 2, "duration_ms": 5000, "last_success_ms": 4000},
                             "b": {"attempts": 1, "duration_ms": 90000, "last_success_ms": 90000}}}
            """)
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(
            result.stdout.contains(
                "LOST        3: a (failed, ~4.00s), b (interrupted, ~1m30s), c (interrupted); must be recomputed, estimated time to recreate ~1m34s plus c (duration unknown)"
            ), "\(result.stdout)")
    }

    @Test func theReleaseCommandNamesTheProjectAndFilesAsGiven() async throws {
        let project = try TemporaryProject()
        try project.write("my ws/pay.md", "---\nws_id: pay\nfeature_id: F1\nrun: echo pay >> ledger\nidempotent: false\n---\n")
        try project.write(
            ".sdp/checkpoints/F1-checkpoint.json",
            """
            {"version": "1.1", "feature_id": "F1", "timestamp": "2026-11-23T00:00:00Z", "completed": [], "failed": [],
             "in_flight": [{"id": "pay", "attempt": 1, "started_at": "2026-11-23T00:00:00Z", "run": 1}], "runs": 1}
            """)
        let result = try await OneshotBinary.run(["F1", "-C", project.path, "--features", "my ws"], in: "/")
        #expect(result.exitCode == 8, "\(result.stdout)\n\(result.stderr)")
        #expect(
            result.stdout.contains(
                "`oneshot F1 -C \(project.path) --features 'my ws' --rerun-uncertain` runs it again, or 'status: completed' in my ws/pay.md keeps it as done"
            ), "\(result.stdout)")
    }

    @Test func aFailureWinsOverHeldWork() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "pay", run: "echo pay >> ledger", extra: "idempotent: false\n")
        try project.workstream("F1", "broken", run: "exit 3")
        try project.write(
            ".sdp/checkpoints/F1-checkpoint.json",
            """
            {"version": "1.1", "feature_id": "F1", "timestamp": "2026-11-23T00:00:00Z", "completed": [], "failed": [],
             "in_flight": [{"id": "pay", "attempt": 1, "started_at": "2026-11-23T00:00:00Z", "run": 1}], "runs": 1}
            """)
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("HELD        pay: idempotent: false"), "held work is reported all the same")
        #expect(project.read("ledger") == nil)
    }

    /// Whether `pid` is still the verify command's `sleep 60` (pid_max is 32768 here: a bare pid
    /// may name another test's process by now).
    private func isVerifySleep(_ pid: Int32) -> Bool {
        guard isAlive(pid), let bytes = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
        return String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\0", with: " ").hasPrefix("sleep 60")
    }

    private func jsonEvents(_ stdout: String) throws -> [[String: Any]] {
        let validator = try JSONSchemaValidator(schemaAt: JSONEventsTests.schemaPath)
        return try stdout.split(separator: "\n").map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let problems = validator.validate(object)
            #expect(problems.isEmpty, "\(line): \(problems)")
            return object
        }
    }
}

extension VerifyEndToEndTests {
    /// A kill -9 of oneshot while it verifies leaves the verify command running (it is not
    /// recorded in the checkpoint): the next resume stops it before verifying again, so nothing
    /// of the dead run is left running untracked, and the two never write the log together.
    @Test func aVerifyLeftRunningByAKilledRunIsStoppedByTheNextOne() async throws {
        let project = try TemporaryProject()
        // Waits at a gate the test never opens: it ends when it is stopped.
        let verify = "echo $$ >> verifiers; [ -f second ] && exit 0; read _ < hold || :"
        try project.gate("hold")
        try project.workstream(
            "F1", "pay", run: gated("pay", doneFirst: true), extra: "idempotent: false\nverify: \(project.yamlQuoted(verify))\n")
        try project.gate("release")
        try await killRunAndItsAttempt(project) { project.read("pay.done") != nil }
        // The first resume verifies, and is killed while its verify command runs.
        let verifying = try OneshotBinary.start(["F1"], in: project.path)
        #expect(await project.until { project.read("verifiers") != nil })
        kill(verifying.pid, SIGKILL)
        _ = try await verifying.finish()
        let first = try #require(Int32(project.read("verifiers")?.split(separator: "\n").first ?? ""))
        #expect(isAlive(first), "the dead run's verify command still runs")
        try project.write("second", "")
        try project.openGate("release")
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(await processEnds(first), "stopped by the next run, not left running")
        let log = try #require(project.read(".sdp/logs/F1/pay.log"))
        #expect(log.contains("stopped the verify an earlier run left running (pid"), "\(log)")
        #expect(log.contains(" \(first)"), "\(log)")
    }
}
