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
    /// A success that an earlier run's attempt did, as its `verify:` command said on a resume:
    /// its time was not measured, so it is no known duration.
    var verified: Bool? = nil

    enum CodingKeys: String, CodingKey {
        case id, attempt, run, status, final, definition, verified
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
        write(to: &writer)
        return writer.bytes
    }

    /// Writes ``encoded`` after what `writer` holds: a loop turn's lines go in one buffer.
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field(CheckpointKeys.at, at)
        writer.field(CheckpointKeys.breaker, breaker)
        writer.field(CheckpointKeys.finished, finished)
        writer.field(CheckpointKeys.seq, seq)
        writer.field("skipped", sorted: skipped) { $0.string($1) }
        writer.field(CheckpointKeys.started, started)
        writer.endObject()
        writer.endLine()
    }
}

extension FinishedAttempt: JSONWritable {
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field(CheckpointKeys.attempt, attempt)
        writer.field(CheckpointKeys.costUSD, costUSD)
        writer.field(CheckpointKeys.definition, definition)
        writer.field(CheckpointKeys.durationMS, durationMS)
        writer.field(CheckpointKeys.exitCode, exitCode)
        writer.field(CheckpointKeys.final, final)
        writer.field(CheckpointKeys.id, id)
        writer.field(CheckpointKeys.run, run)
        writer.field(CheckpointKeys.status, status)
        writer.field(CheckpointKeys.verified, verified)
        writer.endObject()
    }
}
