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
    /// Events that could not be written, and the first error: a harness that misses events must
    /// be told, not left to read a stream that just stops.
    private let lost = Mutex((count: 0, first: SystemError?.none))

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
            writeFast { writer in
                writer.field("attempt", attempt)
                writer.field("event", "ws_started")
                writer.field("ts", RFC3339.formatMilliseconds(Date()))
                writer.field("ws_id", id)
            }
        case .workstreamFinished(let report):
            if report.status == .succeeded { completed.withLock { $0 += 1 } }
            writeFast { writer in
                writer.field("attempt", report.attempt)
                writer.field("cost_usd", report.result?.costUSD)
                writer.field("detail", report.result?.detail)
                writer.field("duration_ms", milliseconds(report.duration))
                writer.field("event", "ws_finished")
                if let code = report.result?.exitCode { writer.field("exit_code", code) } else { writer.nullField("exit_code") }
                if let log = report.result?.logPath { writer.field("log", log) } else { writer.nullField("log") }
                writer.field("retry_in_ms", report.retryIn.map(milliseconds))
                writer.field("status", report.status.rawValue)
                writer.field("ts", RFC3339.formatMilliseconds(Date()))
                writer.field("ws_id", report.id)
            }
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
            let count = completed.withLock { $0 }
            writeFast { writer in
                writer.field("completed", count)
                writer.field("event", "checkpoint_saved")
                writer.field("path", checkpointPath)
                writer.field("ts", RFC3339.formatMilliseconds(Date()))
            }
        case let .journalFailed(message, stopsRun):
            write("checkpoint_failed", ["message": message, "stops_run": stopsRun])
        case let .journalUnwritable(message, unrecorded, since, retryIn):
            write(
                "checkpoint_unwritable",
                [
                    "message": message, "unrecorded": unrecorded, "since": RFC3339.formatMilliseconds(since),
                    "retry_in_ms": milliseconds(retryIn),
                ])
        case let .infrastructureFailed(id, attempt, message, retryIn):
            var fields: [String: Any] = ["ws_id": id, "attempt": attempt, "message": message]
            fields["retry_in_ms"] = retryIn.map(milliseconds) ?? NSNull()
            write("infrastructure_error", fields)
        case .runFinished:
            break  // written by finish(_:exitCode:), which knows the exit code
        }
    }

    func finish(_ report: RunReport?, exitCode: ExitCode) {
        var counts: [String: Int] = [:]
        for state in [WorkstreamState.succeeded, .failed, .skipped, .interrupted, .uncertain, .held, .alreadyDone, .notRun] {
            counts[state.rawValue] = report?.count(state) ?? 0
        }
        var fields: [String: Any] = [
            "status": report?.status.rawValue ?? RunReport.Status.interrupted.rawValue,
            "counts": counts,
            "exit_code": Int(exitCode.rawValue),
            "elapsed_ms": report.map { milliseconds($0.elapsed) } ?? 0,
        ]
        if let retryAt = report?.breakerRetryAt { fields["breaker_retry_at"] = RFC3339.formatMilliseconds(retryAt) }
        if let unrecorded = report?.unrecorded, !unrecorded.isEmpty { fields["unrecorded"] = unrecorded }
        if let setAside = report?.setAside, !setAside.isEmpty { fields["set_aside"] = setAside }
        write("run_finished", fields)
        reportLostEvents()
    }

    func resume(_ plan: ResumePlan, previous: Checkpoint?, graph: WorkstreamGraph) {
        write(
            "resume_plan",
            [
                "preserved": plan.preserved.map(\.id),
                "uncertain": plan.uncertain.map { item -> [String: Any] in
                    var fields: [String: Any] = [
                        "ws_id": item.record.id, "attempt": item.record.attempt, "started_at": item.record.startedAt,
                        "rerun": item.willRerun,
                    ]
                    if let place = item.elsewhere { fields["elsewhere"] = place }
                    if let verify = item.verify { fields["verify"] = verify }
                    if let failure = item.verifyFailure { fields["verify_failure"] = failure }
                    return fields
                },
                "verified": plan.verified.map {
                    ["ws_id": $0.record.id, "attempt": $0.record.attempt, "command": $0.command] as [String: Any]
                },
                "adopted": plan.adopted.map { record -> [String: Any] in
                    var fields: [String: Any] = ["ws_id": record.id, "attempt": record.attempt]
                    if let pid = record.pid { fields["pid"] = Int(pid) }
                    if let job = record.jobID { fields["job_id"] = job }
                    return fields
                },
                "finished_meanwhile": plan.finishedMeanwhile.map {
                    ["ws_id": $0.record.id, "attempt": $0.record.attempt, "exit_code": Int($0.exitCode)] as [String: Any]
                },
                "to_retry": plan.toRetry,
                "pending": plan.pending,
                "changes": plan.changes,
                "preserved_ms": plan.preservedMS,
                "lost_ms": plan.timeToRecreate(knownDurations: plan.knownDurations).milliseconds,
            ])
    }

    func tick() {}

    func note(_ message: String) {
        write("note", ["message": message])
    }

    func warning(_ message: String) {
        write("warning", ["message": message])
    }

    /// The events written once per workstream or commit, keys in sorted order by hand: the same
    /// line ``write(_:_:)`` gives (tested), without `JSONSerialization`'s cost.
    private func writeFast(_ body: (inout JSONWriter) -> Void) {
        var writer = JSONWriter()
        writer.beginObject()
        body(&writer)
        writer.endObject()
        emit(String(decoding: writer.bytes, as: UTF8.self))
    }

    private func write(_ event: String, _ fields: [String: Any]) {
        var object = fields
        object["event"] = event
        object["ts"] = RFC3339.formatMilliseconds(Date())
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        emit(String(decoding: data, as: UTF8.self))
    }

    private func emit(_ line: String) {
        do {
            try console.outChecked(line)
        } catch {
            lost.withLock { lost in
                lost.count += 1
                if lost.first == nil { lost.first = error }
            }
        }
    }

    /// Says on stderr that the event stream is incomplete, if it is.
    private func reportLostEvents() {
        let (count, first) = lost.withLock { ($0.count, $0.first) }
        guard count > 0, let first else { return }
        console.error(
            "--json: \(plural(count, "event")) could not be written (\(first)): the event stream on stdout is incomplete")
    }

    private func milliseconds(_ duration: Duration) -> Int {
        duration.wholeMilliseconds
    }
}
