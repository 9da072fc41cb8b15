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
            write("run_started") { event in
                event.add("feature", featureID)
                event.add("jobs", start.maxConcurrency)
                event.add("resumed", resumed)
                event.add("counts", ["total": start.total, "already_done": start.alreadyDone])
            }
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
            write("ws_skipped") { event in
                event.add("ws_id", id)
                event.add("blocked_by", blockedBy)
            }
        case .breakerChanged(let transition):
            write("breaker") { event in
                event.add("from", transition.from.name)
                event.add("to", transition.to.name)
                event.add("reason", transition.reason)
                event.add("gave_up", transition.gaveUp)
                event.add("next_probe_at", transition.nextProbeAt.map(RFC3339.formatMilliseconds))
            }
        case .breakerWaiting(let until):
            write("breaker_waiting") { $0.add("until", RFC3339.formatMilliseconds(until)) }
        case .journalCommitted:
            let count = completed.withLock { $0 }
            writeFast { writer in
                writer.field("completed", count)
                writer.field("event", "checkpoint_saved")
                writer.field("path", checkpointPath)
                writer.field("ts", RFC3339.formatMilliseconds(Date()))
            }
        case let .journalFailed(message, stopsRun):
            write("checkpoint_failed") { event in
                event.add("message", message)
                event.add("stops_run", stopsRun)
            }
        case let .journalUnwritable(message, unrecorded, since, retryIn):
            write("checkpoint_unwritable") { event in
                event.add("message", message)
                event.add("unrecorded", unrecorded)
                event.add("since", RFC3339.formatMilliseconds(since))
                event.add("retry_in_ms", milliseconds(retryIn))
            }
        case let .infrastructureFailed(id, attempt, message, retryIn):
            write("infrastructure_error") { event in
                event.add("ws_id", id)
                event.add("attempt", attempt)
                event.add("message", message)
                event.addOrNull("retry_in_ms", retryIn.map(milliseconds))
            }
        case .runFinished:
            break  // written by finish(_:exitCode:), which knows the exit code
        }
    }

    func finish(_ report: RunReport?, exitCode: ExitCode) {
        var counts: [String: Int] = [:]
        for state in [WorkstreamState.succeeded, .failed, .skipped, .interrupted, .uncertain, .held, .alreadyDone, .notRun] {
            counts[state.rawValue] = report?.count(state) ?? 0
        }
        write("run_finished") { event in
            event.add("status", report?.status.rawValue ?? RunReport.Status.interrupted.rawValue)
            event.add("counts", counts)
            event.add("exit_code", Int(exitCode.rawValue))
            event.add("elapsed_ms", report.map { milliseconds($0.elapsed) } ?? 0)
            event.add("breaker_retry_at", report?.breakerRetryAt.map(RFC3339.formatMilliseconds))
            if let unrecorded = report?.unrecorded, !unrecorded.isEmpty { event.add("unrecorded", unrecorded) }
            if let setAside = report?.setAside, !setAside.isEmpty { event.add("set_aside", setAside) }
        }
        reportLostEvents()
    }

    func resume(_ plan: ResumePlan, previous: Checkpoint?, graph: WorkstreamGraph) {
        write("resume_plan") { event in
            event.add("preserved", plan.preserved.map(\.id))
            event.add("uncertain", plan.uncertain.map(Self.members))
            event.add(
                "verified",
                plan.verified.map { item in
                    var members = JSONMembers()
                    members.add("ws_id", item.record.id)
                    members.add("attempt", item.record.attempt)
                    members.add("command", item.command)
                    return members
                })
            event.add(
                "adopted",
                plan.adopted.map { record in
                    var members = JSONMembers()
                    members.add("ws_id", record.id)
                    members.add("attempt", record.attempt)
                    members.add("pid", record.pid.map(Int.init))
                    members.add("job_id", record.jobID)
                    return members
                })
            event.add(
                "finished_meanwhile",
                plan.finishedMeanwhile.map { item in
                    var members = JSONMembers()
                    members.add("ws_id", item.record.id)
                    members.add("attempt", item.record.attempt)
                    members.add("exit_code", Int(item.exitCode))
                    return members
                })
            event.add("to_retry", plan.toRetry)
            event.add("pending", plan.pending)
            event.add("changes", plan.changes)
            event.add("preserved_ms", plan.preservedMS)
            event.add("lost_ms", plan.timeToRecreate(knownDurations: plan.knownDurations).milliseconds)
        }
    }

    /// An uncertain attempt of the resume plan.
    private static func members(_ item: ResumePlan.Uncertain) -> JSONMembers {
        var members = JSONMembers()
        members.add("ws_id", item.record.id)
        members.add("attempt", item.record.attempt)
        members.add("started_at", item.record.startedAt)
        members.add("rerun", item.willRerun)
        members.add("elsewhere", item.elsewhere)
        members.add("verify", item.verify)
        members.add("verify_failure", item.verifyFailure)
        return members
    }

    func tick() {}

    func note(_ message: String) {
        write("note") { $0.add("message", message) }
    }

    func warning(_ message: String) {
        write("warning") { $0.add("message", message) }
    }

    /// The events written once per workstream or commit, keys in sorted order by hand: the same
    /// line ``write(_:_:)`` gives (tested), without building the members first.
    private func writeFast(_ body: (inout JSONWriter) -> Void) {
        var writer = JSONWriter()
        writer.beginObject()
        body(&writer)
        writer.endObject()
        emit(String(decoding: writer.bytes, as: UTF8.self))
    }

    /// Writes the event `name` with the members `build` adds, `event` and `ts` among them.
    private func write(_ name: String, _ build: (inout JSONMembers) -> Void) {
        var members = JSONMembers()
        members.add("event", name)
        members.add("ts", RFC3339.formatMilliseconds(Date()))
        build(&members)
        var writer = JSONWriter()
        members.write(to: &writer)
        emit(String(decoding: writer.bytes, as: UTF8.self))
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
