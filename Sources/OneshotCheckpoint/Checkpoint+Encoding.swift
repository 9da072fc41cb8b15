import OneshotSystem

/// The snapshot written by hand, keys sorted: what `JSONEncoder` with `.sortedKeys` writes
/// (tested against it), in a tenth of the time and without its transient tree — at 100,000
/// workstreams that tree took some 300 MB for a 20 MB file.
extension Checkpoint {
    var encoded: [UInt8] { encoded(graphCount: graph?.nodes.count ?? 0, writingGraph: nil) }

    /// With `writingGraph`, the `graph` member is written by it instead of from ``graph``: the
    /// store writes a large graph straight from the `WorkstreamGraph`, without building a
    /// ``GraphSnapshot`` of it first.
    func encoded(graphCount: Int, writingGraph: ((inout JSONWriter) -> Void)?) -> [UInt8] {
        var writer = JSONWriter(capacity: 64 + 200 * graphCount)
        writer.beginObject()
        writer.field("circuit_breaker", circuitBreaker)
        writer.field("completed", completed)
        writer.field("cost_usd", costUSD)
        writer.field("elapsed_ms", elapsedMS)
        writer.field("failed", failed)
        writer.field("feature_id", featureID)
        writer.field("fingerprint", fingerprint)
        if let writingGraph {
            writer.key("graph")
            writingGraph(&writer)
        } else {
            writer.field("graph", graph)
        }
        writer.field("in_flight", inFlight)
        writer.field("interrupted", interrupted)
        writer.field("journal_seq", journalSeq)
        writer.field("last_state_change", lastStateChange)
        writer.field("runs", runs)
        writer.field("settings", settings)
        writer.field("skipped", sorted: skipped) { $0.string($1) }
        writer.field("timeline", timeline)
        writer.field("timestamp", timestamp)
        writer.field("version", version)
        writer.field("workstreams", sorted: workstreams) { $1.write(to: &$0) }
        writer.endObject()
        return writer.bytes
    }
}

extension GraphSnapshot: JSONWritable {
    /// Writes the value as the checkpoint file holds it, keys sorted.
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("edges", sorted: edges) { $0.strings($1) }
        writer.field("nodes", nodes)
        writer.endObject()
    }
}

extension NodeSnapshot: JSONWritable {
    /// Writes the value as the checkpoint file holds it, keys sorted.
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("completed", completed)
        writer.field("depends_on", dependsOn)
        writer.field("id", id)
        writer.field("indegree", indegree)
        writer.endObject()
    }
}

extension WorkstreamRecord: JSONWritable {
    /// Writes the value as the checkpoint file holds it, keys sorted.
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("attempts", attempts)
        writer.field("completed_at", completedAt)
        writer.field("cost_usd", costUSD)
        writer.field("definition", definition)
        writer.field("duration_ms", durationMS)
        writer.field("last_attempt", lastAttempt)
        writer.field("last_exit_code", lastExitCode)
        writer.field("last_run", lastRun)
        writer.field("last_status", lastStatus)
        writer.field("last_success_ms", lastSuccessMS)
        writer.endObject()
    }
}

extension InFlightRecord: JSONWritable {
    /// Writes the value as the checkpoint file holds it, keys sorted.
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("attempt", attempt)
        writer.field("boot_id", bootID)
        writer.field("host", host)
        writer.field("id", id)
        writer.field("job_id", jobID)
        writer.field("pid", pid)
        writer.field("process_start", processStart)
        writer.field("run", run)
        writer.field("scheduler", scheduler)
        writer.field("started_at", startedAt)
        writer.endObject()
    }
}

extension BreakerSnapshot: JSONWritable {
    /// Writes the value as the checkpoint file holds it, keys sorted.
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("consecutive_opens", consecutiveOpens)
        writer.field("failure_count", failureCount)
        writer.field("last_failure_time", lastFailureTime)
        writer.field("last_state_change", lastStateChange)
        writer.field("open_until", openUntil)
        writer.field("state", state)
        writer.field("success_count", successCount)
        writer.field("window", window)
        writer.field("window_ids", windowIDs)
        writer.endObject()
    }
}
