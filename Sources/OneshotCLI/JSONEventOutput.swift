import Foundation
import Oneshot
import OneshotSystem
import Synchronization

/// `--json`: one JSON object per line on stdout for an agent harness. Every object has `event`
/// and `ts` (RFC 3339 UTC with milliseconds); the fields of each event are documented in
/// `Schemas/events.schema.json` and stable.
final class JSONEventOutput: RunObserver {
    private let console: Console
    private let featureID: String
    private let checkpointPath: String
    private let resumed: Bool
    private let completed = Mutex(0)

    init(console: Console, featureID: String, checkpointPath: String, resumed: Bool) {
        self.console = console
        self.featureID = featureID
        self.checkpointPath = checkpointPath
        self.resumed = resumed
    }

    func handle(_ event: RunEvent) {
        switch event {
        case .runStarted(let start):
            completed.withLock { $0 = start.alreadyDone }
            write(
                "run_started",
                [
                    "feature": featureID, "jobs": start.maxConcurrency, "resumed": resumed,
                    "counts": ["total": start.total, "already_done": start.alreadyDone],
                ])
        case let .workstreamStarted(id, attempt):
            write("ws_started", ["ws_id": id, "attempt": attempt])
        case .workstreamFinished(let report):
            if report.status == .succeeded { completed.withLock { $0 += 1 } }
            var fields: [String: Any] = [
                "ws_id": report.id, "attempt": report.attempt, "status": report.status.rawValue,
                "exit_code": report.result?.exitCode.map { Int($0) as Any } ?? NSNull(),
                "duration_ms": milliseconds(report.duration),
                "log": report.result?.logPath as Any? ?? NSNull(),
            ]
            if let retryIn = report.retryIn { fields["retry_in_ms"] = milliseconds(retryIn) }
            if let detail = report.result?.detail { fields["detail"] = detail }
            if let cost = report.result?.costUSD { fields["cost_usd"] = cost }
            write("ws_finished", fields)
        case let .workstreamSkipped(id, blockedBy):
            write("ws_skipped", ["ws_id": id, "blocked_by": blockedBy])
        case .breakerChanged(let transition):
            var fields: [String: Any] = [
                "from": transition.from.name, "to": transition.to.name, "reason": transition.reason, "gave_up": transition.gaveUp,
            ]
            if let next = transition.nextProbeAt { fields["next_probe_at"] = RFC3339.formatMilliseconds(next) }
            write("breaker", fields)
        case .breakerWaiting(let until):
            write("breaker_waiting", ["until": RFC3339.formatMilliseconds(until)])
        case .journalCommitted:
            write("checkpoint_saved", ["path": checkpointPath, "completed": completed.withLock { $0 }])
        case let .journalFailed(message, stopsRun):
            write("checkpoint_failed", ["message": message, "stops_run": stopsRun])
        case .runFinished:
            break  // written by finish(_:exitCode:), which knows the exit code
        }
    }

    func finish(_ report: RunReport?, exitCode: ExitCode) {
        var counts: [String: Int] = [:]
        for state in [WorkstreamState.succeeded, .failed, .skipped, .interrupted, .alreadyDone, .notRun] {
            counts[state.rawValue] = report?.count(state) ?? 0
        }
        var fields: [String: Any] = [
            "status": report?.status.rawValue ?? RunReport.Status.interrupted.rawValue,
            "counts": counts,
            "exit_code": Int(exitCode.rawValue),
            "elapsed_ms": report.map { milliseconds($0.elapsed) } ?? 0,
        ]
        if let retryAt = report?.breakerRetryAt { fields["breaker_retry_at"] = RFC3339.formatMilliseconds(retryAt) }
        write("run_finished", fields)
    }

    func resume(_ plan: ResumePlan, previous: Checkpoint?, graph: WorkstreamGraph) {
        write(
            "resume_plan",
            [
                "preserved": plan.preserved.map(\.id),
                "uncertain": plan.uncertain.map {
                    [
                        "ws_id": $0.record.id, "attempt": $0.record.attempt, "started_at": $0.record.startedAt,
                        "rerun": $0.willRerun,
                    ]
                },
                "to_retry": plan.toRetry,
                "pending": plan.pending,
                "changes": plan.changes,
                "preserved_ms": plan.preservedMS,
            ])
    }

    func tick() {}

    func note(_ message: String) {
        write("note", ["message": message])
    }

    func warning(_ message: String) {
        write("warning", ["message": message])
    }

    private func write(_ event: String, _ fields: [String: Any]) {
        var object = fields
        object["event"] = event
        object["ts"] = RFC3339.formatMilliseconds(Date())
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        console.out(String(decoding: data, as: UTF8.self))
    }

    private func milliseconds(_ duration: Duration) -> Int {
        duration.wholeMilliseconds
    }
}
