import Foundation
import OneshotDispatch
import OneshotSystem
import OneshotWorkstreams

/// Runs each attempt as a job of a ``JobScheduler`` (Slurm), oneshot staying the coordinator.
///
/// An attempt is **submitted** detached under a deterministic name,
/// `oneshot-<feature>.<project hash>-<ws_id>-<attempt>`, after the checkpoint journaled that
/// it starts: a crash between the two is repaired by a resume looking the job up by that name.
/// It is then **polled**: every poll interval the attempt reads its exit-status file, and asks
/// the scheduler through the run's ``JobMonitor``, which makes one query for all jobs. The
/// exit-status file (`<ws_id>.exit` beside the log, written by the job script's `EXIT` trap as
/// for local attempts) decides the outcome; a job the scheduler no longer knows, or that ended,
/// and that left no exit status ``lostAfter`` later is failed (a job killed by the scheduler
/// for its time limit, a lost node). **Cancelling** the attempt (timeout, signal, `--deadline`,
/// the breaker giving up) cancels the job — batched with the other attempts stopped at the same
/// moment — and waits for it to end before returning. **Adoption** after a restart is in
/// `RemoteExecutor+Orphans.swift`.
public struct RemoteExecutor: AttemptExecutor {
    /// The local executor whose commands, environment and logs the jobs share.
    public var base: CommandExecutor
    /// The batch system.
    public var scheduler: any JobScheduler
    /// Time between two looks at an attempt (`--poll-interval`, 5 s by default).
    public var pollInterval: Duration
    /// How long a job that ended or vanished may take to leave its exit status (a shared file
    /// system's delay) before the attempt is failed.
    public var lostAfter: Duration
    /// How long a cancelled job may take to end beyond the grace (Slurm's KillWait, or the
    /// controller coming back) before the attempt is reported as not stopped.
    public var stopWait: Duration = .seconds(60)
    /// Extra scheduler arguments per workstream (its `slurm_args:`).
    public var extraArguments: @Sendable (Workstream) -> [String]
    /// The run's batching of queries and cancellations.
    public let monitor: JobMonitor
    /// The job names' run part, `<feature>.<hash of the project folder>`: the same for every run
    /// of the feature in this project, so that a resume finds its predecessor's jobs.
    public let runName: String
    /// The project root, where jobs run.
    let projectRoot: String
    /// Called once an attempt's job was submitted (or found after a failed submission), with
    /// the workstream's id, the attempt and the job's id: the CLI journals the id in the
    /// attempt's in-flight record.
    public var onSubmit: (@Sendable (_ id: String, _ attempt: Int, _ jobID: String) -> Void)?
    /// The run's submissions whose `sbatch` failed, looked up by name before they are retried.
    let failures = SubmissionFailures()
    /// The jobs earlier runs left queued or running, asked for once.
    let predecessors: PredecessorJobs

    /// Creates an executor; the current folder is the project root.
    public init(
        base: CommandExecutor, scheduler: any JobScheduler, pollInterval: Duration = .seconds(5),
        lostAfter: Duration = .seconds(30), extraArguments: @escaping @Sendable (Workstream) -> [String] = { _ in [] }
    ) {
        self.base = base
        self.scheduler = scheduler
        self.pollInterval = pollInterval
        self.lostAfter = lostAfter
        self.extraArguments = extraArguments
        monitor = JobMonitor(scheduler: scheduler, interval: pollInterval)
        projectRoot = FileManager.default.currentDirectoryPath
        runName = "\(base.featureID).\(Self.shortHash(projectRoot))"
        predecessors = PredecessorJobs(scheduler: scheduler, prefix: "oneshot-\(runName)-")
    }

    /// The deterministic name of `id`'s attempt `attempt`.
    public func jobName(_ id: String, attempt: Int) -> String {
        "oneshot-\(runName)-\(id)-\(attempt)"
    }

    /// ``base``.
    public var commands: CommandExecutor { base }

    /// The path of `id`'s log.
    public func logPath(for id: String) -> String { base.logPath(for: id) }

    /// Workstreams that have no command to run.
    public func workstreamsWithoutCommand(_ workstreams: [Workstream]) -> [Workstream] {
        base.workstreamsWithoutCommand(workstreams)
    }

    /// Runs one attempt as a job. Matches ``Executor``.
    ///
    /// A failed submission (the controller down, `sbatch` timing out or refusing) is not the
    /// workstream's failure: it throws ``InfrastructureError``, and the dispatcher tries the same
    /// attempt again after a backoff. That retry first looks the job up by its name, since the
    /// failed `sbatch` may have reached the controller: a job found is followed, never submitted
    /// a second time.
    ///
    /// - Throws: ``InfrastructureError`` when the log or the job script cannot be written, or the
    ///   job cannot be submitted; ``OutcomeUnknown`` when the scheduler stopped the job of an
    ///   `idempotent: false` workstream that left no exit status; `CancellationError` once a
    ///   cancelled attempt's job has been cancelled and has ended.
    public func callAsFunction(_ workstream: Workstream, _ attempt: Int) async throws -> ExecutionResult {
        guard let command = base.command(for: workstream) else {
            return .failure(detail: "workstream \(workstream.id) has no command")
        }
        let id = workstream.id
        let name = jobName(id, attempt: attempt)
        let log = WorkstreamLog(path: logPath(for: id))
        let earlier = failures.failedSince(name)
        // Since when an exit status would be this attempt's: the first try to submit it, or when
        // a job an earlier run left was seen running.
        var started = earlier ?? Date()
        let header =
            "\n=== \(id) attempt \(attempt) · \(RFC3339.format(Date())) · \(scheduler.name) job \(name) · /bin/sh -c \(command)\n"
        let offset = try ownResource { () throws(SystemError) in
            let (fd, offset) = try log.openForAttempt(header: header)
            Syscall.close(fd)
            return offset
        }
        var jobID: String?
        if earlier != nil {
            jobID = try await submittedEarlier(name, since: started, id: id, attempt: attempt, log: log, offset: offset)
        } else if let left = try await leftByPredecessor(name, id: id, attempt: attempt, log: log, offset: offset) {
            (jobID, started) = (left.state.id, left.seen)
        }
        if jobID == nil, !(earlier != nil && exitStatus(id, attempt: attempt, since: started) != nil) {
            let job = try prepare(workstream, attempt: attempt, name: name, command: command)
            jobID = try await submit(job, id: id, attempt: attempt, since: started, log: log, offset: offset)
        }
        if let jobID { onSubmit?(id, attempt, jobID) }
        let end: JobEnd
        do {
            end = try await follow(name: name, jobID: jobID, id: id, attempt: attempt, since: started)
        } catch {
            let how =
                (error as? AttemptNotStopped).map { "not stopped: \($0.detail)" }
                ?? "ended: cancelled (\(scheduler.name) job \(jobID ?? name))"
            log.append("\(log.lineBreak(after: offset))=== \(id) attempt \(attempt) \(how)\n")
            throw error
        }
        return try conclude(end, workstream, attempt: attempt, log: log, offset: offset, since: started)
    }

    /// Submits `job`; a failure is noted, so that the retry looks for the job first, and thrown
    /// as an ``InfrastructureError``.
    private func submit(_ job: JobSubmission, id: String, attempt: Int, since: Date, log: WorkstreamLog, offset: Int)
        async throws -> String
    {
        do {
            let jobID = try await scheduler.submit(job)
            failures.resolve(job.name)
            return jobID
        } catch {
            failures.note(job.name, since: since)
            log.append(
                "\(log.lineBreak(after: offset))=== \(id) attempt \(attempt) not submitted: \(error); tried again after a backoff, once \(scheduler.name) says it has no job \(job.name)\n"
            )
            throw InfrastructureError("\(id) attempt \(attempt) not submitted: \(error)")
        }
    }

    /// The job `name` when an earlier oneshot left it queued or running untracked (its `sbatch`
    /// failed but reached the scheduler, and it died before it could look), and when it was seen.
    ///
    /// - Throws: ``InfrastructureError`` when the scheduler cannot be asked.
    private func leftByPredecessor(_ name: String, id: String, attempt: Int, log: WorkstreamLog, offset: Int)
        async throws -> (state: JobState, seen: Date)?
    {
        let found: (state: JobState, seen: Date)?
        do {
            found = try await predecessors.activeJob(named: name)
        } catch {
            let why = "\(scheduler.name) could not be asked for the jobs an earlier run may have left: \(error)"
            log.append("\(log.lineBreak(after: offset))=== \(id) attempt \(attempt) not submitted: \(why)\n")
            throw InfrastructureError("\(id) attempt \(attempt) not submitted: \(why)")
        }
        guard let found else { return nil }
        await predecessors.forget(name)
        log.append(
            "\(log.lineBreak(after: offset))=== \(id) attempt \(attempt): \(scheduler.name) job \(found.state.id) (\(found.state.detail)) of that name, left by an earlier run, is followed, not submitted again\n"
        )
        return found
    }

    /// The id of the job `name` when the failed submission of it, first tried at `since`,
    /// reached the scheduler after all; `nil` when the scheduler has no such job, or only an
    /// earlier run's that ended (see `isAnEarlierRunsEndedJob(_:since:)`).
    ///
    /// - Throws: ``InfrastructureError`` when the scheduler cannot be asked: submitting without
    ///   knowing could run the attempt twice.
    private func submittedEarlier(
        _ name: String, since: Date, id: String, attempt: Int, log: WorkstreamLog, offset: Int
    ) async throws -> String? {
        // A fresh answer: one cached from before the failed sbatch may not know its job yet.
        let lookup = await monitor.lookup(name, fresh: true)
        await monitor.unfollow(name)
        switch lookup {
        case .found(let state) where Self.isAnEarlierRunsEndedJob(state, since: since):
            failures.resolve(name)
            log.append(
                "\(log.lineBreak(after: offset))=== \(id) attempt \(attempt): \(scheduler.name) job \(state.id) (\(state.detail)) of that name was submitted before this attempt, by an earlier run: the failed submission did not reach \(scheduler.name); submitting it again\n"
            )
            return nil
        case .found(let state):
            failures.resolve(name)
            log.append(
                "\(log.lineBreak(after: offset))=== \(id) attempt \(attempt): the failed submission reached \(scheduler.name) after all: following \(scheduler.name) job \(state.id) (\(state.detail)), not submitting it again\n"
            )
            return state.id
        case .notFound:
            failures.resolve(name)
            return nil
        case .unavailable(let why):
            log.append(
                "\(log.lineBreak(after: offset))=== \(id) attempt \(attempt) not submitted: \(scheduler.name) could not be asked whether the failed submission reached it: \(why)\n"
            )
            throw InfrastructureError(
                "\(id) attempt \(attempt) not submitted: \(scheduler.name) could not be asked whether its failed submission reached it: \(why)"
            )
        }
    }

    /// How much earlier than an attempt's first try its job may seem to have been submitted and
    /// still be its own: this host's clock and the scheduler's may disagree a little, and Slurm
    /// gives submit times in whole seconds (truncated).
    static let submitTimeTolerance: TimeInterval = 2

    /// Whether `state`, the job found by the name of an attempt whose submission, first tried at
    /// `since`, failed, is an earlier run's: it ended, and was submitted more than
    /// `submitTimeTolerance` before `since`. A fresh run numbers attempts from 1 again, and
    /// the scheduler lists an ended job for a while (Slurm's `MinJobAge`, 300 s by default).
    /// A job still queued or running is followed whenever it was submitted, never run twice; one
    /// whose submit time is not known is taken as the attempt's, as before submit times were read.
    static func isAnEarlierRunsEndedJob(_ state: JobState, since: Date) -> Bool {
        guard !state.isActive, let submitted = state.submitted else { return false }
        return submitted < since.addingTimeInterval(-submitTimeTolerance)
    }

    /// The job for an attempt: its script written, stale result files of an earlier attempt removed.
    private func prepare(_ workstream: Workstream, attempt: Int, name: String, command: String) throws -> JobSubmission {
        let id = workstream.id
        let exitPath = base.exitFilePath(for: id)
        let reportPath = CommandExecutor.absolute("\(base.logFolder)/\(id).report.json")
        // A status or report an earlier attempt left must not be read as this one's.
        for path in [exitPath, reportPath] { try? Syscall.removeIfPresent(path) }
        let scriptPath = "\(base.absoluteLogFolder)/\(id).job.sh"
        // The command runs in a child shell: an `exec` or a `kill -9 $$` of its own then ends that
        // shell, not the one whose trap leaves the exit status, which the job has no parent to
        // report otherwise.
        let quoted = ShellWord.quoted(command)
        let script = "#!/bin/sh\n" + CommandExecutor.exitFileTrap + "/bin/sh -c \(quoted)\n"
        try ownResource { () throws(SystemError) in
            let fd = try Syscall.open(scriptPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode: 0o755)
            defer { Syscall.close(fd) }
            try Syscall.writeAll(fd, Array(script.utf8), path: scriptPath)
        }
        // What a local command of the run gets, byte for byte, then the attempt's variables.
        let environment =
            base.inherited.entryBytes + base.perAttemptEnvironment(workstream, attempt: attempt).map { Array($0.utf8) }
        return JobSubmission(
            name: name, scriptPath: scriptPath, workingDirectory: projectRoot, logPath: CommandExecutor.absolute(log(id)),
            environmentEntries: environment, extraArguments: extraArguments(workstream))
    }

    private func log(_ id: String) -> String { logPath(for: id) }

    private func ownResource<T>(_ body: () throws(SystemError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw InfrastructureError(error.description)
        }
    }

    /// A short stable hash of `text` (FNV-1a), six hex digits.
    static func shortHash(_ text: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        return String(String(hash, radix: 16).suffix(6))
    }
}
