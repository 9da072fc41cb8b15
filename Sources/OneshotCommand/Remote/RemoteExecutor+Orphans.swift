import Foundation
import OneshotCheckpoint
import OneshotDispatch
import OneshotSystem
import OneshotWorkstreams

extension RemoteExecutor {
    /// What became of an attempt an earlier run left in flight: its exit status when its job left
    /// one; else the job found by its name — running or pending: adopted; ended or unknown: the
    /// attempt is unknown (run again when idempotent). When the scheduler cannot be asked the
    /// attempt is held as elsewhere, never run twice.
    func probe(_ record: InFlightRecord, jobs: JobSnapshot) -> OrphanFinding {
        let started = RFC3339.parse(record.startedAt) ?? .distantPast
        if let code = exitStatus(record.id, attempt: record.attempt, since: started) {
            let written = AttemptExitFile.read(base.exitFilePath(for: record.id))?.written ?? started
            return .finished(exitCode: code, durationMS: max(0, Int(written.timeIntervalSince(started) * 1000)))
        }
        let name = jobName(record.id, attempt: record.attempt)
        do {
            guard let state = try jobs.state(of: name), state.isActive else { return .unknown }
            return .jobActive(scheduler: scheduler.name, jobID: state.id)
        } catch {
            return .elsewhere("\(scheduler.name) job \(name), which could not be looked up: \(error)")
        }
    }

    /// Adoption by name, cancellation through the scheduler; there is no process group to sweep.
    /// One query finds the jobs of every attempt the resume looks at.
    public func orphanHandling(killRunning: Bool) -> OrphanHandling {
        let jobs = JobSnapshot(scheduler: scheduler, prefix: "oneshot-\(runName)-")
        return OrphanHandling(
            probe: { self.probe($0, jobs: jobs) },
            terminate: { record in
                let name = self.jobName(record.id, attempt: record.attempt)
                guard let state = try? jobs.state(of: name), state.isActive else { return "nothing left to stop" }
                let result = SchedulerCommand("scancel", [state.id]).runBlocking(environment: self.base.environment)
                guard result.succeeded else { return "scancel \(state.id), which failed: \(result.firstLine)" }
                self.awaitEnd(of: name, jobs: jobs)
                return "scancel \(state.id)"
            },
            killRunning: killRunning
        )
    }

    /// Waits until the cancelled job `name` has ended — or the grace plus a minute (Slurm's
    /// KillWait) has passed — so that the resume does not find it still running and adopt it.
    /// The scheduler offers no event to wait on: it is asked every 200 ms.
    private func awaitEnd(of name: String, jobs: JobSnapshot) {
        let limit = ContinuousClock.now + base.terminationGrace + .seconds(60)
        repeat {
            jobs.forget()
            guard let state = try? jobs.state(of: name), state.isActive else { return }
            Thread.sleep(forTimeInterval: 0.2)
        } while ContinuousClock.now < limit
    }

    /// The job of `record`, still queued or running since an earlier run, as an attempt of this
    /// run: followed by name until its exit status appears, as if this run had submitted it.
    public func adopt(_ record: InFlightRecord, of workstream: Workstream, now: Date = Date()) -> AdoptedAttempt {
        let started = RFC3339.parse(record.startedAt) ?? now
        let milliseconds = max(0, Int64(now.timeIntervalSince(started) * 1000))
        return AdoptedAttempt(id: record.id, attempt: record.attempt, runningFor: .milliseconds(milliseconds)) {
            let log = WorkstreamLog(path: logPath(for: record.id))
            log.append(
                "\(log.lineBreak(after: 0))=== \(record.id) attempt \(record.attempt) adopted from an earlier run: \(scheduler.name) job \(jobName(record.id, attempt: record.attempt))\n"
            )
            let end = try await follow(
                name: jobName(record.id, attempt: record.attempt), jobID: record.jobID, id: record.id,
                attempt: record.attempt, since: started.addingTimeInterval(-1))
            return try conclude(end, workstream, attempt: record.attempt, log: log, offset: 0, since: started)
        }
    }

    /// This executor, journaling each job id in `store` as its submission returns it.
    public func journaling(to store: CheckpointStore) -> RemoteExecutor {
        var journaled = self
        let scheduler = scheduler.name
        journaled.onSubmit = { id, attempt, jobID in
            store.jobSubmitted(id: id, attempt: attempt, scheduler: scheduler, jobID: jobID)
        }
        return journaled
    }
}
