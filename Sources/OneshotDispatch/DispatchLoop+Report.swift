import Foundation
import OneshotGraph
import OneshotWorkstreams

/// The run's ``RunReport``, from the state the loop ended in.
extension DispatchLoop {
    func makeReport(elapsed: Duration, cancelled: Bool) -> RunReport {
        var results: [WorkstreamResult] = []
        results.reserveCapacity(graph.count)
        var blocked = false
        // Whether anything failed (or was stopped), and whether work awaits a decision: a run
        // with only the latter is held, not failed.
        var failing = false
        var undecided = false
        for node in 0..<graph.count {
            let state: WorkstreamState
            var blockedBy: String?
            switch self.state.phase[node] {
            case .succeeded: state = .succeeded
            case .alreadyDone: state = .alreadyDone
            case .failed: state = .failed
            case .skipped(let by):
                state = .skipped
                blockedBy = graph.workstreams[by].id
            case .interrupted: state = .interrupted
            case .uncertain: state = .uncertain
            case .waiting, .ready, .running, .backingOff: state = self.state.isHeld(node) ? .held : .notRun
            }
            if state != .succeeded && state != .alreadyDone { blocked = true }
            if state == .failed || state == .skipped || state == .interrupted { failing = true }
            if state == .held || state == .uncertain { undecided = true }
            results.append(
                WorkstreamResult(
                    id: graph.workstreams[node].id, state: state, attempts: self.state.attempts[node],
                    duration: durations[node], lastAttempt: lastAttempt[node], blockedBy: blockedBy
                ))
        }
        let status: RunReport.Status =
            if pipeline.stopsRun { .journalFailed } else if infrastructureStopped {
                .infrastructureFailed
            } else if breakerRetryAt != nil && blocked {
                .breakerGaveUp
            } else if (deadlineReached || !setAside.isEmpty) && blocked {
                .deadlineReached
            } else if cancelled && blocked { .interrupted } else if blocked && undecided && !failing { .held } else if blocked {
                .failed
            } else {
                .succeeded
            }
        var report = RunReport(status: status, results: results, elapsed: elapsed, breakerRetryAt: breakerRetryAt)
        report.unrecorded = pipeline.unrecorded.sorted()
        report.setAside = setAside
        report.lastingLaunchError = lastingLaunchError
        return report
    }
}
