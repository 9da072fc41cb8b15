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
        if let circuitBreaker {
            writer.key("circuit_breaker")
            circuitBreaker.write(to: &writer)
        }
        writer.field("completed", completed)
        writer.field("cost_usd", costUSD)
        writer.field("elapsed_ms", elapsedMS)
        writer.field("failed", failed)
        writer.field("feature_id", featureID)
        writer.field("fingerprint", fingerprint)
        if let writingGraph {
            writer.key("graph")
            writingGraph(&writer)
        } else if let graph {
            writer.key("graph")
            graph.write(to: &writer)
        }
        if let inFlight {
            writer.key("in_flight")
            writer.beginArray()
            for record in inFlight { record.write(to: &writer) }
            writer.endArray()
        }
        writer.field("interrupted", interrupted)
        writer.field("journal_seq", journalSeq)
        writer.field("last_state_change", lastStateChange)
        writer.field("runs", runs)
        if let skipped {
            writer.key("skipped")
            writer.beginObject()
            for (id, blocker) in skipped.sorted(by: { $0.key < $1.key }) { writer.field(id, blocker) }
            writer.endObject()
        }
        writer.field("timestamp", timestamp)
        writer.field("version", version)
        if let workstreams {
            writer.key("workstreams")
            writer.beginObject()
            // The keys sorted, not the entries: no copy of every record.
            for id in workstreams.keys.sorted() {
                writer.key(id)
                workstreams[id]?.write(to: &writer)
            }
            writer.endObject()
        }
        writer.endObject()
        return writer.bytes
    }
}

extension GraphSnapshot {
    fileprivate func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("edges")
        writer.beginObject()
        for (id, dependents) in edges.sorted(by: { $0.key < $1.key }) { writer.field(id, dependents) }
        writer.endObject()
        writer.key("nodes")
        writer.beginArray()
        for node in nodes {
            writer.beginObject()
            writer.field("completed", node.completed)
            writer.field("depends_on", node.dependsOn)
            writer.field("id", node.id)
            writer.field("indegree", node.indegree)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }
}

extension WorkstreamRecord {
    fileprivate func write(to writer: inout JSONWriter) {
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
