import Foundation
import OneshotBreaker
import OneshotGraph
import OneshotWorkstreams

/// What the loop does with an attempt's outcome: the state, the breaker and the journal are
/// told, and a failure is retried after a backoff or ends the workstream.
extension DispatchLoop {
    mutating func attemptEnded(
        node: Int, attempt: Int, status: AttemptStatus, result: ExecutionResult?, duration: Duration,
        _ group: inout TaskGroup<ChildResult>
    ) {
        let workstream = graph.workstreams[node]
        infrastructureFailingSince = nil
        infrastructureStreak = 0
        durations[node] += duration
        recordInBreaker(node: node, status: status)
        var report = AttemptReport(id: workstream.id, attempt: attempt, status: status, duration: duration, result: result)
        switch status {
        case .succeeded:
            state.succeeded(node)
            record(report, node: node, final: true)
            if journal == nil {
                _ = state.release([node], graph: graph)
            } else {
                pipeline.completionRecorded(node)
                state.awaitCommit(node, graph: graph)
            }
        case .failed, .timedOut:
            let retries = workstream.retries ?? options.defaultRetries
            // Retries are counted within this run; `attempt` counts across runs.
            let tries = state.attemptsThisRun(node)
            if tries <= retries && !state.stopLaunching {
                let delay = options.backoff.delay(afterAttempt: tries, using: &random)
                report.retryIn = delay
                state.backOff(node)
                record(report, node: node, final: false)
                scheduleRetry(of: node, after: delay, &group)
            } else {
                let skipped = state.failed(node, graph: graph)
                if options.failFast { state.stopLaunching = true }
                record(report, node: node, final: true)
                for dependent in skipped {
                    let id = graph.workstreams[dependent].id
                    pipeline.recorded(.skipped(id: id, blockedBy: workstream.id))
                    onEvent(.workstreamSkipped(id: id, blockedBy: workstream.id))
                }
            }
        case .interrupted:
            state.interrupted(node)
            record(report, node: node, final: true)
        case .uncertain:
            state.uncertain(node)
            record(report, node: node, final: true)
        }
    }

    private mutating func record(_ report: AttemptReport, node: Int, final: Bool) {
        lastAttempt[node] = report
        onEvent(.workstreamFinished(report))
        if journal != nil { pipeline.recorded(.attemptFinished(report, final: final)) }
    }

    /// oneshot could not start the attempt (no descriptor, no process, no space for the log): not
    /// the workstream's failure. The breaker does not see it and the workstream's retries are
    /// untouched; it is tried again after a backoff, unless such failures have lasted the grace
    /// period, which ends the run as ``RunReport/Status/infrastructureFailed``.
    mutating func attemptNotStarted(
        node: Int, attempt: Int, error: InfrastructureError, _ group: inout TaskGroup<ChildResult>
    ) {
        if let permit = permits.removeValue(forKey: node) { breaker?.release(permit) }
        state.deferAttempt(node)
        let since = infrastructureFailingSince ?? time.now()
        infrastructureFailingSince = since
        let id = graph.workstreams[node].id
        journal?.attemptNotStarted(id: id, attempt: attempt)
        // A lasting error would fail the same way for the whole grace period: no wait.
        if !state.stopLaunching
            && (error.lasting || time.now().timeIntervalSince(since) * 1000 >= Double(options.checkpointGrace.wholeMilliseconds))
        {
            if error.lasting { lastingLaunchError = "\(id) attempt \(attempt) could not be started: \(error.message)" }
            infrastructureStopped = true
            state.stopLaunching = true
        }
        if state.stopLaunching {
            onEvent(.infrastructureFailed(id: id, attempt: attempt, message: error.message, retryIn: nil))
            // Ready again but never launched: it ends as not run.
            state.retryDue(node, cancelled: false)
            return
        }
        infrastructureStreak += 1
        let delay = options.backoff.delay(afterAttempt: infrastructureStreak, using: &random)
        onEvent(.infrastructureFailed(id: id, attempt: attempt, message: error.message, retryIn: delay))
        scheduleRetry(of: node, after: delay, &group)
    }

    /// Makes `node` ready again after `delay` (on the injected clock), or interrupted if the
    /// run is cancelled meanwhile.
    private func scheduleRetry(of node: Int, after delay: Duration, _ group: inout TaskGroup<ChildResult>) {
        let sleep = time.sleep
        group.addTask {
            do {
                try await sleep(delay)
                return .retryDue(node: node, cancelled: false)
            } catch {
                return .retryDue(node: node, cancelled: true)
            }
        }
    }
}
