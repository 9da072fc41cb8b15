import Foundation
import Oneshot
import Synchronization

/// Prints a run's events as lines for a person: one per event, stamped with the time since the
/// start, so overlapping workstreams are visible; then a summary table.
final class HumanOutput: Sendable {
    private let console: Console
    private let featureID: String
    private let titles: [String: String]
    private let start = ContinuousClock.now

    init(console: Console, featureID: String, titles: [String: String]) {
        self.console = console
        self.featureID = featureID
        self.titles = titles
    }

    func handle(_ event: RunEvent) {
        switch event {
        case .runStarted(let start):
            var line = "oneshot \(featureID): \(start.total) workstreams, -j \(start.maxConcurrency)"
            if start.alreadyDone > 0 { line += ", \(start.alreadyDone) already done" }
            console.out(line)
        case let .workstreamStarted(id, attempt):
            let title = titles[id].map { "  \($0)" } ?? ""
            let retry = attempt > 1 ? " (attempt \(attempt))" : ""
            emit("▶ \(id) started\(retry)\(title)")
        case .workstreamFinished(let report):
            finished(report)
        case let .workstreamSkipped(id, blockedBy):
            emit("⊘ \(id) skipped: blocked by \(blockedBy)")
        case .breakerChanged(let transition):
            emit(BreakerText.transition(transition))
        case .breakerWaiting(let until):
            emit(
                "⏸ breaker open: ready workstreams wait; next probe at \(BreakerText.time(until)) (in \(BreakerText.until(until)))"
            )
        case let .journalFailed(message, stopsRun):
            console.warning(stopsRun ? "\(message); stopping the run" : "\(message); the run goes on")
        case .runFinished(let report):
            summary(report)
        }
    }

    private func finished(_ report: AttemptReport) {
        let took = DurationText.format(report.duration)
        switch report.status {
        case .succeeded:
            emit("✓ \(report.id) done in \(took)")
        case .failed, .timedOut:
            let why = report.status == .timedOut ? "timed out" : report.result?.exitCode.map { "exit \($0)" } ?? "error"
            var line = "✗ \(report.id) failed (\(why)) after \(took)"
            if let log = report.result?.logPath { line += " · log \(log)" }
            if let retryIn = report.retryIn { line += " · retry in \(DurationText.format(retryIn))" }
            emit(line)
            if let detail = report.result?.detail, !detail.isEmpty {
                for detailLine in detail.split(separator: "\n", omittingEmptySubsequences: false).suffix(10) {
                    console.out("           │ \(detailLine)")
                }
            }
        case .interrupted:
            emit("■ \(report.id) interrupted after \(took)")
        }
    }

    private func summary(_ report: RunReport) {
        let width = max(10, report.results.map(\.id.count).max() ?? 0)
        console.out("")
        console.out("\("WORKSTREAM".padding(to: width))  \("RESULT".padding(to: 13))  ATTEMPTS  TIME")
        for result in report.results {
            var state = result.state.rawValue.replacingOccurrences(of: "_", with: " ")
            if let blockedBy = result.blockedBy { state += " (by \(blockedBy))" }
            let time = result.attempts > 0 ? DurationText.format(result.duration) : "-"
            console.out(
                "\(result.id.padding(to: width))  \(state.padding(to: 13))  \(String(result.attempts).padding(to: 8))  \(time)"
            )
        }
        let parts = [
            ("succeeded", report.count(.succeeded)), ("already done", report.count(.alreadyDone)),
            ("failed", report.count(.failed)), ("skipped", report.count(.skipped)),
            ("interrupted", report.count(.interrupted)), ("not run", report.count(.notRun)),
        ].filter { $0.1 > 0 }.map { "\($0.1) \($0.0)" }
        console.out(
            "\(report.status.rawValue.replacingOccurrences(of: "_", with: " ")): \(parts.joined(separator: ", ")) in \(DurationText.format(report.elapsed))"
        )
    }

    private func emit(_ text: String) {
        let elapsed = ContinuousClock.now - start
        let stamp = DurationText.format(elapsed)
        console.out("[\(String(repeating: " ", count: max(0, 7 - stamp.count)))\(stamp)] \(text)")
    }
}
