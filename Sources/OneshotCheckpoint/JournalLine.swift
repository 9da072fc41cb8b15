import OneshotSystem

/// One line of the checkpoint journal, `<feature>-journal.jsonl`.
///
/// The journal records, in order, what happened since the last snapshot: attempts launched (not
/// fsynced: they guard against a crash of oneshot, whose children outlive it), and batches of
/// finished attempts, skips and the breaker's state (fsynced, one fsync per batch). Each line
/// carries a sequence number; the snapshot records the last one it folded in (`journal_seq`), so a
/// line is applied exactly once however a crash falls between a fold and the journal's reset.
struct JournalLine: Codable, Equatable {
    var seq: Int
    /// When it was written, RFC 3339 with milliseconds.
    var at: String
    /// An attempt launched, or the process it started.
    var started: InFlightRecord?
    /// Attempts that ended.
    var finished: [FinishedAttempt]?
    /// Workstreams skipped, with the failure that blocked them.
    var skipped: [String: String]?
    /// The breaker's state after the batch.
    var breaker: BreakerSnapshot?
}

/// An attempt that ended, with the context a replay needs.
struct FinishedAttempt: Codable, Equatable {
    var id: String
    var attempt: Int
    var run: Int
    var status: String
    /// Whether no retry follows.
    var final: Bool
    var durationMS: Int
    var exitCode: Int32?
    var costUSD: Double?
    /// Hash of the workstream's definition, for a success.
    var definition: String?

    enum CodingKeys: String, CodingKey {
        case id, attempt, run, status, final, definition
        case durationMS = "duration_ms"
        case exitCode = "exit_code"
        case costUSD = "cost_usd"
    }
}

extension JournalLine {
    /// The line as compact JSON with sorted keys, newline included: what `JSONEncoder` with
    /// `.sortedKeys` writes, without its cost (tested against it).
    var encoded: [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("at", at)
        if let breaker {
            writer.key("breaker")
            breaker.write(to: &writer)
        }
        if let finished {
            writer.key("finished")
            writer.beginArray()
            for attempt in finished { attempt.write(to: &writer) }
            writer.endArray()
        }
        writer.field("seq", seq)
        if let skipped {
            writer.key("skipped")
            writer.beginObject()
            for (id, blocker) in skipped.sorted(by: { $0.key < $1.key }) { writer.field(id, blocker) }
            writer.endObject()
        }
        if let started {
            writer.key("started")
            started.write(to: &writer)
        }
        writer.endObject()
        var bytes = writer.bytes
        bytes.append(0x0A)
        return bytes
    }
}

extension FinishedAttempt {
    fileprivate func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("attempt", attempt)
        writer.field("cost_usd", costUSD)
        writer.field("definition", definition)
        writer.field("duration_ms", durationMS)
        writer.field("exit_code", exitCode)
        writer.field("final", final)
        writer.field("id", id)
        writer.field("run", run)
        writer.field("status", status)
        writer.endObject()
    }
}

extension InFlightRecord {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("attempt", attempt)
        writer.field("id", id)
        writer.field("pid", pid)
        writer.field("process_start", processStart)
        writer.field("run", run)
        writer.field("started_at", startedAt)
        writer.endObject()
    }
}

extension BreakerSnapshot {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("consecutive_opens", consecutiveOpens)
        writer.field("failure_count", failureCount)
        writer.field("last_failure_time", lastFailureTime)
        writer.field("last_state_change", lastStateChange)
        writer.field("open_until", openUntil)
        writer.field("state", state)
        writer.field("success_count", successCount)
        writer.field("window", window)
        writer.endObject()
    }
}
