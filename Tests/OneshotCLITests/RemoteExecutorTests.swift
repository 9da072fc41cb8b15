import Foundation
import Oneshot
import OneshotSystem
import Synchronization
import Testing

@testable import OneshotCLI

/// The executor contract for remote jobs, with a scheduler in memory: batched polls and
/// cancellations, the exit-status file as the truth, a vanished job failed only after a wait.
@Suite(.timeLimit(.minutes(1))) struct RemoteExecutorTests {
    private func executor(_ scheduler: FakeScheduler, folder: String, lostAfter: Duration = .seconds(30)) -> RemoteExecutor {
        RemoteExecutor(
            base: CommandExecutor(featureID: "F1", logFolder: folder), scheduler: scheduler, pollInterval: .milliseconds(20),
            lostAfter: lostAfter)
    }

    private func temporaryFolder() throws -> String {
        let path = NSTemporaryDirectory() + "oneshot-remote-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func manyJobsFollowedAtOnceCostOneQueryPerInterval() async throws {
        let scheduler = FakeScheduler()
        let monitor = JobMonitor(scheduler: scheduler, interval: .seconds(60))
        let names = (1...50).map { "job-\($0)" }
        for name in names { await monitor.follow(name) }
        await withTaskGroup(of: Void.self) { group in
            for name in names { group.addTask { _ = await monitor.lookup(name) } }
        }
        #expect(scheduler.record.withLock { $0.queries } == 1)
        #expect(await monitor.queries == 1)
    }

    @Test func cancellationsAskedTogetherGoInOneRequest() async throws {
        let scheduler = FakeScheduler()
        let monitor = JobMonitor(scheduler: scheduler, interval: .seconds(60))
        await withTaskGroup(of: Void.self) { group in
            for id in 1...8 { group.addTask { await monitor.cancel(String(id), gather: .milliseconds(500)) } }
        }
        let batches = scheduler.record.withLock { $0.cancelBatches }
        #expect(batches.count == 1)
        #expect(Set(batches.flatMap { $0 }) == Set((1...8).map(String.init)))
    }

    @Test func theExitStatusFileDecidesEvenWhenTheSchedulerHasForgottenTheJob() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scheduler = FakeScheduler(vanish: true) { job in
            let path = job.environment["ONESHOT_EXIT_FILE"] ?? ""
            try? Data("0 0 \(job.environment["ONESHOT_ATTEMPT"] ?? "")\n".utf8).write(to: URL(fileURLWithPath: path))
        }
        let result = try await executor(scheduler, folder: folder)(Workstream(id: "a", command: "true"), 1)
        #expect(result.succeeded)
        let job = try #require(scheduler.record.withLock { $0.submitted.first })
        #expect(job.name.hasPrefix("oneshot-F1.") && job.name.hasSuffix("-a-1"))
        #expect(try String(contentsOfFile: job.scriptPath, encoding: .utf8).contains("trap '"))
    }

    @Test func aJobThatVanishedWithoutAnExitStatusFailsOnlyAfterTheWait() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scheduler = FakeScheduler(vanish: true)
        let started = ContinuousClock.now
        let result = try await executor(scheduler, folder: folder, lostAfter: .milliseconds(300))(
            Workstream(id: "a", command: "true"), 1)
        #expect(ContinuousClock.now - started >= .milliseconds(300), "not found means unknown, not failed at once")
        #expect(!result.succeeded)
        #expect(result.detail?.contains("Fake job 1 is no longer known to Fake and left no exit status") == true)
    }

    @Test func cancellingAnAttemptCancelsItsJobAndWaitsForItToEnd() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scheduler = FakeScheduler()
        let remote = executor(scheduler, folder: folder)
        let attempt = Task { try await remote(Workstream(id: "a", command: "sleep 100"), 1) }
        #expect(try await eventually { scheduler.record.withLock { !$0.submitted.isEmpty } })
        attempt.cancel()
        await #expect(throws: CancellationError.self) { try await attempt.value }
        #expect(scheduler.record.withLock { $0.cancelBatches } == [["1"]])
        #expect(scheduler.record.withLock { $0.jobs.values.first?.phase } == .ended)
    }

    @Test func aCancellationTheControllerRefusedIsAskedAgainWhenItIsBack() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scheduler = FakeScheduler()
        let remote = executor(scheduler, folder: folder)
        let attempt = Task { try await remote(Workstream(id: "a", command: "sleep 100"), 1) }
        #expect(try await eventually { scheduler.record.withLock { !$0.submitted.isEmpty } })
        scheduler.record.withLock { $0.down = true }
        attempt.cancel()
        #expect(try await eventually { scheduler.record.withLock { $0.queries } >= 2 }, "it keeps asking")
        scheduler.record.withLock { $0.down = false }
        await #expect(throws: CancellationError.self) { try await attempt.value }
        #expect(scheduler.record.withLock { $0.cancelBatches } == [["1"]], "the refused scancel was sent again")
        #expect(scheduler.record.withLock { $0.jobs.values.first?.phase } == .ended)
    }

    @Test func aJobThatCouldNotBeCancelledIsNotReportedInterrupted() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scheduler = FakeScheduler()
        var remote = executor(scheduler, folder: folder)
        remote.base.terminationGrace = .milliseconds(100)
        remote.stopWait = .milliseconds(200)
        let attempt = Task { [remote] in try await remote(Workstream(id: "a", command: "sleep 100"), 1) }
        #expect(try await eventually { scheduler.record.withLock { !$0.submitted.isEmpty } })
        scheduler.record.withLock { $0.down = true }
        attempt.cancel()
        // Interrupted would let the resume submit a second copy next to the job still running.
        await #expect(throws: AttemptNotStopped.self) { try await attempt.value }
        #expect(scheduler.record.withLock { $0.jobs.values.first?.phase } == .running)
        let log = try String(contentsOfFile: "\(folder)/a.log", encoding: .utf8)
        #expect(log.contains("=== a attempt 1 not stopped: Fake job 1 not cancelled, Fake could not be asked"), "\(log)")
    }

    @Test func aResumeLooksAtAllItsPredecessorsJobsWithOneQuery() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scheduler = FakeScheduler()
        let remote = executor(scheduler, folder: folder)
        scheduler.record.withLock { record in
            record.jobs[remote.jobName("a", attempt: 1)] = JobState(id: "7", phase: .running, detail: "RUNNING")
            record.jobs[remote.jobName("b", attempt: 2)] = JobState(id: "8", phase: .pending, detail: "PENDING")
            record.jobs[remote.jobName("c", attempt: 1)] = JobState(id: "9", phase: .ended, detail: "CANCELLED")
            record.jobs["oneshot-elsewhere-a-1"] = JobState(id: "1", phase: .running, detail: "RUNNING")
        }
        let handling = remote.orphanHandling(killRunning: false)
        let now = RFC3339.format(Date())
        let findings = [("a", 1), ("b", 2), ("c", 1), ("d", 1)].map {
            handling.probe(InFlightRecord(id: $0.0, attempt: $0.1, startedAt: now))
        }
        #expect(findings == [OrphanFinding.running(pid: 7), .running(pid: 8), .unknown, .unknown])
        #expect(scheduler.record.withLock { $0.queries } == 1)
    }

    @Test func squeueAnswersPreferTheActiveJobOfAName() throws {
        let output = "oneshot-x-a-1 7 CANCELLED\noneshot-x-a-1 9 RUNNING\noneshot-x-a-1 8 COMPLETED\noneshot-x-b-1 3 PENDING\n"
        let states = try SlurmScheduler.parse(SchedulerCommand.Result(exitCode: 0, output: output))
        #expect(states["oneshot-x-a-1"] == JobState(id: "9", phase: .running, detail: "RUNNING"))
        #expect(states["oneshot-x-b-1"]?.phase == .pending)
        #expect(throws: JobSchedulerError.self) {
            try SlurmScheduler.parse(SchedulerCommand.Result(exitCode: 1, output: "slurm_load_jobs error: Unable to contact"))
        }
    }

    @Test func sbatchArgumentsThatWouldRunAnAttemptTwiceOrHideItAreRefusedBeforeAnythingRuns() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "pay", run: "echo paid >> ledger", extra: "idempotent: false\nslurm_args: [--array=1-3]\n")
        let fromFile = try await OneshotBinary.run(["F1", "--executor", "slurm"], in: project.path)
        #expect(fromFile.exitCode == 2, "\(fromFile.stdout)\n\(fromFile.stderr)")
        #expect(
            fromFile.stderr.contains(
                "features/F1/pay.md:2: workstream pay: slurm_args: sbatch argument '--array=1-3' is not allowed"))
        try project.workstream("F1", "pay", run: "echo paid >> ledger", extra: "idempotent: false\n")
        try project.write(".sdp/config.yml", "executor: slurm\nslurm:\n  args: [--time=5, --requeue]\n")
        let fromConfig = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(fromConfig.exitCode == 2, "\(fromConfig.stdout)\n\(fromConfig.stderr)")
        #expect(fromConfig.stderr.contains(".sdp/config.yml:3: slurm_args: sbatch argument '--requeue' is not allowed"))
        let short = try await OneshotBinary.run(["F1", "--slurm-args", "-a1-3"], in: project.path)
        #expect(short.exitCode == 2 && short.stderr.contains("'-a1-3' is not allowed"), "\(short.stderr)")
        #expect(project.read("ledger") == nil)
        #expect(SlurmScheduler.problem(with: "--time=5") == nil && SlurmScheduler.problem(with: "-N1") == nil)
    }

    @Test func slurmArgumentsAcceptAFlowListOrWords() throws {
        #expect(
            try ExecutorSettings.arguments("[--time=5, \"--qos=low\", '--mem=1G']", source: "-") == [
                "--time=5", "--qos=low", "--mem=1G",
            ])
        #expect(try ExecutorSettings.arguments("--time=5 --qos=low", source: "-") == ["--time=5", "--qos=low"])
    }
}
