import Oneshot
import Synchronization

/// `--fail-fast`: says, once, when the first workstream has failed for good (its retries used)
/// that nothing new starts, and at the end how to go on.
final class FailFastNotice: RunObserver {
    private let human: HumanOutput
    private let featureID: String
    private let first = Mutex<String?>(nil)

    init(human: HumanOutput, featureID: String) {
        self.human = human
        self.featureID = featureID
    }

    func handle(_ event: RunEvent) {
        guard case .workstreamFinished(let report) = event, report.retryIn == nil,
            report.status == .failed || report.status == .timedOut
        else { return }
        let isFirst = first.withLock { first in
            defer { first = first ?? report.id }
            return first == nil
        }
        if isFirst {
            human.note("--fail-fast: \(report.id) failed; nothing new starts, running workstreams finish")
        }
    }

    func finish(_ report: RunReport?, exitCode: ExitCode) {
        guard let report, let failed = first.withLock({ $0 }) else { return }
        let notStarted = report.count(.notRun)
        guard notStarted > 0 else { return }
        human.note(
            "--fail-fast: \(plural(notStarted, "workstream")) not started after \(failed) failed; run the same command to retry it and go on"
        )
    }

    func resume(_ plan: ResumePlan, previous: Checkpoint?, graph: WorkstreamGraph) {}
    func warning(_ message: String) {}
    func tick() {}
    func note(_ message: String) {}
}
