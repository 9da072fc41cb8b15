import Foundation
import Oneshot
import OneshotSystem
import Synchronization
import Testing

@testable import OneshotCLI
@testable import OneshotCommand

/// The executor contract for remote jobs, with a scheduler in memory: batched polls and
/// cancellations, the exit-status file as the truth, a vanished job failed only after a wait.
@Suite(.timeLimit(.minutes(3))) struct RemoteExecutorTests {
    private func executor(
        _ scheduler: FakeScheduler, folder: String, lostAfter: Duration = .seconds(30), pollInterval: Duration = .milliseconds(20)
    ) -> RemoteExecutor {
        RemoteExecutor(
            base: CommandExecutor(featureID: "F1", logFolder: folder), scheduler: scheduler, pollInterval: pollInterval,
            lostAfter: lostAfter)
    }

    /// An `idempotent: false` workstream whose first submission failed (an infrastructure
    /// error), with its scheduler and executor, for what the next attempt does.
    private func afterAFailedSubmission(in folder: String) async -> (FakeScheduler, RemoteExecutor, Workstream) {
        let scheduler = FakeScheduler(onSubmit: Self.exitsZero)
        scheduler.record.withLock { $0.failingSubmissions = 1 }
        let remote = executor(scheduler, folder: folder)
        let pay = Workstream(id: "pay", command: "true", isIdempotent: false)
        await #expect(throws: InfrastructureError.self) { try await remote(pay, 1) }
        return (scheduler, remote, pay)
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
        #expect(await scheduler.until { !$0.submitted.isEmpty })
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
        #expect(await scheduler.until { !$0.submitted.isEmpty })
        scheduler.record.withLock { $0.down = true }
        attempt.cancel()
        #expect(await scheduler.until { $0.queries >= 2 }, "it keeps asking")
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
        #expect(await scheduler.until { !$0.submitted.isEmpty })
        scheduler.record.withLock { $0.down = true }
        attempt.cancel()
        // Interrupted would let the resume submit a second copy next to the job still running.
        await #expect(throws: AttemptNotStopped.self) { try await attempt.value }
        #expect(scheduler.record.withLock { $0.jobs.values.first?.phase } == .running)
        let log = try String(contentsOfFile: "\(folder)/a.log", encoding: .utf8)
        #expect(log.contains("=== a attempt 1 not stopped: Fake job 1 not cancelled, Fake could not be asked"), "\(log)")
    }

    /// Writes the exit status 0 of the job's attempt, as its script's trap would.
    private static let exitsZero: @Sendable (JobSubmission) -> Void = { job in
        let path = job.environment["ONESHOT_EXIT_FILE"] ?? ""
        try? Data("0 0 \(job.environment["ONESHOT_ATTEMPT"] ?? "")\n".utf8).write(to: URL(fileURLWithPath: path))
    }

    @Test func aFailedSubmissionIsAnInfrastructureErrorAndTheJobItCreatedAnywayIsNotSubmittedAgain() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scheduler = FakeScheduler(onSubmit: Self.exitsZero)
        scheduler.record.withLock {
            $0.failingSubmissions = 1
            $0.createdAnyway = true
        }
        let remote = executor(scheduler, folder: folder)
        let pay = Workstream(id: "pay", command: "true", isIdempotent: false)
        // Not the workstream's failure: the dispatcher retries the same attempt after a backoff.
        await #expect(throws: InfrastructureError.self) { try await remote(pay, 1) }
        let result = try await remote(pay, 1)
        #expect(result.succeeded, "\(result)")
        #expect(scheduler.record.withLock { ($0.submitCalls, $0.submitted.count) } == (1, 1), "submitted exactly once")
        let log = try String(contentsOfFile: "\(folder)/pay.log", encoding: .utf8)
        #expect(log.contains("the failed submission reached Fake after all: following Fake job 1"), "\(log)")
    }

    @Test func aSubmissionThatNeverReachedTheSchedulerIsSubmittedOnItsRetry() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (scheduler, remote, pay) = await afterAFailedSubmission(in: folder)
        #expect(try await remote(pay, 1).succeeded)
        #expect(scheduler.record.withLock { ($0.submitCalls, $0.submitted.count) } == (2, 1))
    }

    @Test func theLookUpBeforeAResubmissionIsNeverAnAnswerFromBeforeTheFailedOne() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scheduler = FakeScheduler(onSubmit: Self.exitsZero)
        // A poll interval longer than the dispatcher's backoff: answers are reused meanwhile.
        let remote = executor(scheduler, folder: folder, pollInterval: .seconds(60))
        let pay = Workstream(id: "pay", command: "true", isIdempotent: false)
        scheduler.record.withLock { $0.failingSubmissions = 1 }
        await #expect(throws: InfrastructureError.self) { try await remote(pay, 1) }
        scheduler.record.withLock {
            $0.failingSubmissions = 1
            $0.createdAnyway = true
        }
        // Not found, submitted, timed out after the controller took the job.
        await #expect(throws: InfrastructureError.self) { try await remote(pay, 1) }
        #expect(try await remote(pay, 1).succeeded)
        #expect(scheduler.record.withLock { ($0.submitCalls, $0.submitted.count) } == (2, 1), "submitted exactly once")
    }

    @Test func aJobAnEarlierRunLeftRunningUntrackedIsFollowedNotSubmittedAgain() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scheduler = FakeScheduler(onSubmit: Self.exitsZero)
        let remote = executor(scheduler, folder: folder)
        // A oneshot whose sbatch timed out after the controller took the job, killed before its
        // retry looked: its checkpoint no longer holds the attempt, Slurm runs it.
        scheduler.record.withLock { record in
            record.jobs[remote.jobName("pay", attempt: 1)] = JobState(id: "7", phase: .running, detail: "RUNNING")
            record.jobs[remote.jobName("mail", attempt: 1)] = JobState(id: "6", phase: .ended, detail: "COMPLETED")
        }
        try Data("42 0 1\n".utf8).write(to: URL(fileURLWithPath: "\(folder)/pay.exit"))
        let result = try await remote(Workstream(id: "pay", command: "true", isIdempotent: false), 1)
        #expect(result.succeeded, "\(result)")
        #expect(scheduler.record.withLock { $0.submitCalls } == 0, "not submitted a second time")
        let log = try String(contentsOfFile: "\(folder)/pay.log", encoding: .utf8)
        #expect(log.contains("Fake job 7 (RUNNING) of that name, left by an earlier run, is followed"), "\(log)")
        // An ended job of the same name is an earlier run's finished attempt: submitted anew.
        #expect(try await remote(Workstream(id: "mail", command: "true"), 1).succeeded)
        #expect(scheduler.record.withLock { $0.submitCalls } == 1)
    }

    /// A fresh run numbers attempts from 1 again, and the scheduler still lists an earlier run's
    /// ended job of the same name: that job is not the failed submission's. Before, the retry
    /// followed it as this attempt's job: `pay`, never submitted, ended outcome unknown.
    @Test func anEarlierRunsEndedJobOfTheNameIsNotTakenForTheFailedSubmission() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scheduler = FakeScheduler(onSubmit: Self.exitsZero)
        let remote = executor(scheduler, folder: folder)
        let earlier = Date().addingTimeInterval(-60)
        scheduler.record.withLock {
            $0.jobs[remote.jobName("pay", attempt: 1)] = JobState(
                id: "41", phase: .ended, detail: "FAILED", ending: .stopped, submitted: earlier)
            $0.failingSubmissions = 1
        }
        let pay = Workstream(id: "pay", command: "true", isIdempotent: false)
        await #expect(throws: InfrastructureError.self) { try await remote(pay, 1) }
        let result = try await remote(pay, 1)
        #expect(result.succeeded, "\(result)")
        #expect(scheduler.record.withLock { ($0.submitCalls, $0.submitted.count) } == (2, 1), "submitted anew")
        let log = try String(contentsOfFile: "\(folder)/pay.log", encoding: .utf8)
        #expect(log.contains("Fake job 41 (FAILED) of that name was submitted before this attempt, by an earlier run"), "\(log)")
    }

    /// The same job submitted within the clock tolerance of the attempt, or of no known submit
    /// time, or still running, may be the failed submission's: it is followed, never run twice.
    @Test func aJobFoundAfterAFailedSubmissionIsAnEarlierRunsOnlyWhenItEndedBeforeTheAttempt() {
        let since = Date()
        func state(_ phase: JobState.Phase, submittedAgo seconds: TimeInterval?) -> JobState {
            JobState(id: "1", phase: phase, detail: "", submitted: seconds.map { since.addingTimeInterval(-$0) })
        }
        let earlier = RemoteExecutor.isAnEarlierRunsEndedJob
        #expect(earlier(state(.ended, submittedAgo: 60), since))
        #expect(earlier(state(.ended, submittedAgo: RemoteExecutor.submitTimeTolerance + 1), since))
        #expect(!earlier(state(.ended, submittedAgo: RemoteExecutor.submitTimeTolerance), since))
        #expect(!earlier(state(.ended, submittedAgo: -5), since))
        #expect(!earlier(state(.ended, submittedAgo: nil), since), "no submit time: as before")
        #expect(!earlier(state(.running, submittedAgo: 60), since), "an earlier run's running job is followed")
        #expect(!earlier(state(.pending, submittedAgo: 60), since))
    }

    @Test func noRetryIsSubmittedWhileTheSchedulerCannotSayWhetherTheFailedOneReachedIt() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (scheduler, remote, pay) = await afterAFailedSubmission(in: folder)
        scheduler.record.withLock { $0.down = true }
        await #expect(throws: InfrastructureError.self) { try await remote(pay, 1) }
        #expect(scheduler.record.withLock { $0.submitCalls } == 1, "not submitted blindly")
        scheduler.record.withLock { $0.down = false }
        #expect(try await remote(pay, 1).succeeded)
        #expect(scheduler.record.withLock { $0.submitted.count } == 1)
    }

    @Test(arguments: ["CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED"])
    func aJobTheSchedulerStoppedFailsAnIdempotentAttemptAtOnceAndLeavesAnotherUncertain(_ word: String) async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scheduler = FakeScheduler()
        scheduler.record.withLock { $0.endAs = JobState(id: "", phase: .ended, detail: word, ending: .stopped) }
        // The 30 s wait for a late exit status would exceed the suite's time limit.
        let remote = executor(scheduler, folder: folder, lostAfter: .seconds(600))
        let result = try await remote(Workstream(id: "build", command: "true"), 1)
        #expect(!result.succeeded)
        #expect(result.detail?.contains("Fake job 1 ended \(word) and left no exit status") == true, "\(result)")
        // It may have run part of its command: never run again blindly.
        await #expect(throws: OutcomeUnknown.self) {
            try await remote(Workstream(id: "pay", command: "true", isIdempotent: false), 1)
        }
        let log = try String(contentsOfFile: "\(folder)/pay.log", encoding: .utf8)
        #expect(
            log.contains("ended: outcome unknown: Fake job 2 ended \(word) without an exit status; as pay is idempotent: false"),
            "\(log)")
    }

    @Test func aJobThatNeverStartedFailsAtOnceWhateverItsIdempotence() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scheduler = FakeScheduler()
        scheduler.record.withLock { $0.endAs = JobState(id: "", phase: .ended, detail: "BOOT_FAIL", ending: .neverStarted) }
        let remote = executor(scheduler, folder: folder, lostAfter: .seconds(600))
        let result = try await remote(Workstream(id: "pay", command: "true", isIdempotent: false), 1)
        #expect(!result.succeeded)
        #expect(result.detail?.contains("ended BOOT_FAIL before its command started") == true, "\(result)")
    }

    @Test func slurmStatesSayWhetherTheCommandMayHaveRun() throws {
        let answer = "a 1 CANCELLED\nb 2 TIMEOUT\nc 3 OUT_OF_MEMORY\nd 4 BOOT_FAIL\ne 5 COMPLETED\nf 6 RUNNING\n"
        let states = try SlurmScheduler.parse(SchedulerCommand.Result(exitCode: 0, output: answer))
        #expect(
            ["a", "b", "c", "d", "e", "f"].map { states[$0]?.ending } == [.stopped, .stopped, .stopped, .neverStarted, nil, nil])
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
        #expect(
            findings == [
                OrphanFinding.jobActive(scheduler: "Fake", jobID: "7"), .jobActive(scheduler: "Fake", jobID: "8"), .unknown,
                .unknown,
            ])
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

    /// `squeue` asked for `%V` gives the submit time: seconds since 1970 (oneshot sets
    /// `SLURM_TIME_FORMAT=%s`) or Slurm's standard local time; lines without one still parse.
    @Test func squeueLinesGiveTheSubmitTimeWhenTheyHaveOne() throws {
        let output = """
            a 1 FAILED 1796048057
            b 2 COMPLETED
            c 3 PENDING N/A
            d 4 RUNNING 2026-11-30T14:14:17
            e 5 CANCELLED 14:14:17

            """
        let states = try SlurmScheduler.parse(SchedulerCommand.Result(exitCode: 0, output: output))
        #expect(
            states["a"]
                == JobState(
                    id: "1", phase: .ended, detail: "FAILED", ending: .stopped,
                    submitted: Date(timeIntervalSince1970: 1_796_048_057)))
        #expect(states["b"] == JobState(id: "2", phase: .ended, detail: "COMPLETED"), "the old format")
        #expect(states["c"]?.phase == .pending && states["c"]?.submitted == nil)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .current
        let local = calendar.date(
            from: DateComponents(year: 2026, month: 11, day: 30, hour: 14, minute: 14, second: 17))
        #expect(states["d"]?.submitted == local && local != nil, "Slurm's own format, in local time")
        #expect(states["e"]?.submitted == nil && states["e"]?.phase == .ended, "a relative time is no date")
        #expect(SlurmScheduler.squeueAll.arguments.last == "--format=%j %i %T %V")
        #expect(SlurmScheduler(environment: ["SLURM_TIME_FORMAT": "relative"]).queryEnvironment["SLURM_TIME_FORMAT"] == "%s")
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
