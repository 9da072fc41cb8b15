import Foundation
import OneshotDispatch
import OneshotSystem
import OneshotWorkstreams

extension RemoteExecutor {
    /// How a followed job ended.
    enum JobEnd {
        /// Its script left an exit status.
        case exited(Int32, jobID: String?)
        /// It ended or vanished without one; the text says how.
        case lost(String, jobID: String?)
        /// The scheduler says it stopped the job (`CANCELLED`, `TIMEOUT`, `NODE_FAIL`…) and it
        /// left no exit status: its command may have run in part. The text is the scheduler's word.
        case stopped(String, jobID: String)
        /// The scheduler says the job never started its script (`BOOT_FAIL`).
        case neverStarted(String, jobID: String)
    }

    /// Follows the job `name` until its exit status appears, or it is lost. Cancelling the
    /// calling task cancels the job and waits for it to end, then throws `CancellationError`.
    func follow(name: String, jobID: String?, id: String, attempt: Int, since: Date) async throws -> JobEnd {
        await monitor.follow(name)
        do {
            let end = try await poll(name: name, jobID: jobID, id: id, attempt: attempt, since: since)
            await monitor.unfollow(name)
            return end
        } catch {
            await monitor.unfollow(name)
            throw error
        }
    }

    private func poll(name: String, jobID: String?, id: String, attempt: Int, since: Date) async throws -> JobEnd {
        var jobID = jobID
        var missingSince: ContinuousClock.Instant?
        var missing = ""
        while true {
            if let code = exitStatus(id, attempt: attempt, since: since) { return .exited(code, jobID: jobID) }
            do {
                try await Task.sleep(for: pollInterval)
            } catch {
                try await stop(name: name, jobID: jobID, id: id, attempt: attempt, since: since)
                throw CancellationError()
            }
            if let code = exitStatus(id, attempt: attempt, since: since) { return .exited(code, jobID: jobID) }
            switch await monitor.lookup(name) {
            case .found(let state) where state.isActive:
                jobID = state.id
                missingSince = nil
                continue
            case .found(let state):
                jobID = state.id
                // The exit status may have been written while the scheduler was being asked.
                if let code = exitStatus(id, attempt: attempt, since: since) { return .exited(code, jobID: jobID) }
                // The scheduler says why it ended: no exit status will come.
                switch state.ending {
                case .stopped: return .stopped(state.detail, jobID: state.id)
                case .neverStarted: return .neverStarted(state.detail, jobID: state.id)
                case nil: missing = "ended \(state.detail)"
                }
            case .notFound:
                missing = "is no longer known to \(scheduler.name)"
            case .unavailable:
                // The scheduler could not be asked: nothing is known, so nothing is concluded.
                continue
            }
            let since = missingSince ?? .now
            missingSince = since
            if ContinuousClock.now - since >= lostAfter { return .lost(missing, jobID: jobID) }
        }
    }

    /// Cancels the job (batched with the others stopped now) and waits, uncancellably, until it
    /// has ended or left its exit status, for at most the grace plus ``stopWait``,
    /// or until a second signal throws the run's kill switch. A cancellation the scheduler refused
    /// (its controller down) is asked again at each look while the job is seen running.
    ///
    /// - Throws: ``AttemptNotStopped`` when the job is not known to have ended, nor to have been
    ///   cancelled: reporting it interrupted would let the resume start a second copy.
    func stop(name: String, jobID: String?, id: String, attempt: Int, since: Date) async throws(AttemptNotStopped) {
        var jobID = jobID
        var cancelled = false
        var seen = "its state unknown"
        let limit = ContinuousClock.now + base.terminationGrace + stopWait
        while true {
            if exitStatus(id, attempt: attempt, since: since) != nil { return }
            if let jobID, !cancelled { cancelled = await monitor.cancel(jobID) }
            switch await monitor.lookup(name) {
            case .found(let state) where !state.isActive: return
            case .notFound: return
            case .found(let state):
                jobID = state.id
                seen = "seen \(state.detail)"
            case .unavailable(let why):
                seen = "\(scheduler.name) could not be asked: \(why)"
            }
            // After a second signal oneshot does not wait: the job has its cancellation, and the
            // scheduler kills what is left of it after its own grace (Slurm's KillWait).
            if KillSwitch.current?.isThrown == true, cancelled { return }
            if KillSwitch.current?.isThrown == true || ContinuousClock.now >= limit {
                let job = "\(scheduler.name) job \(jobID ?? name)"
                throw AttemptNotStopped(id: id, detail: "\(job) \(cancelled ? "cancelled but " : "not cancelled, ")\(seen)")
            }
            await Pause.uncancellable(min(pollInterval, .seconds(1)))
        }
    }

    /// The exit status the job script of `id`'s attempt `attempt` left, written after `since`.
    func exitStatus(_ id: String, attempt: Int, since: Date) -> Int32? {
        guard let status = AttemptExitFile.read(base.exitFilePath(for: id)), status.attempt == attempt,
            status.written.timeIntervalSince(since) > -1
        else { return nil }
        return status.exitCode
    }

    /// The attempt's result, with the log's footer written.
    ///
    /// - Throws: ``OutcomeUnknown`` when the scheduler stopped the job of an `idempotent: false`
    ///   workstream and it left no exit status: it may have done part of its work, so it is
    ///   uncertain (held at the next resume), not failed (retried).
    func conclude(_ end: JobEnd, _ workstream: Workstream, attempt: Int, log: WorkstreamLog, offset: Int, since: Date)
        throws -> ExecutionResult
    {
        let id = workstream.id
        guard case .stopped(let word, let jobID) = end, !workstream.isIdempotent else {
            return finish(end, id: id, attempt: attempt, log: log, offset: offset, since: since)
        }
        let seconds = DurationText.twoDecimals(max(0, Date().timeIntervalSince(since)))
        let reason =
            "\(scheduler.name) job \(jobID) ended \(word) without an exit status; as \(id) is idempotent: false it may have done part of its work: not run again until you decide"
        log.append(
            "\(log.lineBreak(after: offset))=== \(id) attempt \(attempt) ended: outcome unknown: \(reason) after \(seconds)s\n")
        throw OutcomeUnknown(id: id, reason: reason)
    }

    /// The attempt's result, with the log's footer written.
    func finish(_ end: JobEnd, id: String, attempt: Int, log: WorkstreamLog, offset: Int, since: Date) -> ExecutionResult {
        let seconds = DurationText.twoDecimals(max(0, Date().timeIntervalSince(since)))
        let how: String
        let code: Int32?
        let job: String?
        switch end {
        case .exited(let exit, let jobID):
            (how, code, job) = ("exit \(exit)", exit, jobID)
        case .lost(let text, let jobID):
            (how, code, job) = ("without an exit status: the job \(text)", nil, jobID)
        case .stopped(let word, let jobID):
            (how, code, job) = ("without an exit status: the job ended \(word)", nil, jobID)
        case .neverStarted(let word, let jobID):
            (how, code, job) = ("without an exit status: the job ended \(word) before its command started", nil, jobID)
        }
        let jobText = job.map { " (\(scheduler.name) job \($0))" } ?? ""
        log.append("\(log.lineBreak(after: offset))=== \(id) attempt \(attempt) ended: \(how)\(jobText) after \(seconds)s\n")
        let reportPath = CommandExecutor.absolute("\(base.logFolder)/\(id).report.json")
        let report = AttemptReportFile.read(at: reportPath, workstream: id, log: log)
        if code == 0 {
            return ExecutionResult(succeeded: true, exitCode: 0, logPath: log.path, costUSD: report.cost, warning: report.problem)
        }
        var tail = log.tail(from: offset, lines: base.tailLines + 1).dropLast().suffix(base.tailLines).joined(separator: "\n")
        if code == nil {
            let lost =
                "\(scheduler.name) job\(job.map { " \($0)" } ?? "") \(how.dropFirst("without an exit status: the job ".count)) and left no exit status"
            tail += (tail.isEmpty ? "" : "\n") + lost
        }
        return ExecutionResult(
            succeeded: false, exitCode: code, detail: tail.isEmpty ? nil : tail, logPath: log.path, costUSD: report.cost,
            warning: report.problem)
    }
}
