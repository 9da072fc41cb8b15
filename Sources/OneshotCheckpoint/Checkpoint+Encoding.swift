import OneshotSystem

/// The snapshot written by hand, keys sorted: what `JSONEncoder` with `.sortedKeys` writes
/// (tested against it), in a tenth of the time and without its transient tree — at 100,000
/// workstreams that tree took some 300 MB for a 20 MB file.
extension Checkpoint {
    /// Members written by the caller instead of from the checkpoint's own values: the large
    /// ones, which the store writes straight from the graph or splices from
    /// ``SnapshotFragments`` without building them first.
    struct Spliced {
        /// The `graph` object.
        var graph: ((inout JSONWriter) -> Void)?
        /// The `workstreams` object.
        var workstreams: ((inout JSONWriter) -> Void)?
        /// The timeline's `attempts` list, when there is a timeline.
        var timelineAttempts: ((inout JSONWriter) -> Void)?
    }

    var encoded: [UInt8] { encoded(capacity: 64 + 200 * (graph?.nodes.count ?? 0), splicing: Spliced()) }

    /// With `spliced` members, those are written by its closures instead of from ``graph``,
    /// ``workstreams`` and ``timeline``'s attempts.
    func encoded(capacity: Int, splicing spliced: Spliced) -> [UInt8] {
        var writer = JSONWriter(capacity: capacity)
        write(to: &writer, splicing: spliced)
        return writer.bytes
    }

    /// The same bytes as ``encoded(capacity:splicing:)``, handed to `sink` in chunks of about a
    /// megabyte as they are written.
    ///
    /// - Returns: how many bytes `sink` was given.
    func encoded(splicing spliced: Spliced, streamingTo sink: @escaping @Sendable ([UInt8]) -> Void) -> Int {
        var writer = JSONWriter(flushingEvery: 1 << 20, to: sink)
        write(to: &writer, splicing: spliced)
        writer.flush()
        return writer.flushedCount
    }

    private func write(to writer: inout JSONWriter, splicing spliced: Spliced) {
        writer.beginObject()
        writer.field("circuit_breaker", circuitBreaker)
        writer.field("completed", completed)
        writer.field("cost_usd", costUSD)
        writer.field("elapsed_ms", elapsedMS)
        writer.field("failed", failed)
        writer.field("feature_id", featureID)
        writer.field("fingerprint", fingerprint)
        if let write = spliced.graph {
            writer.key("graph")
            write(&writer)
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
        if let timeline, let write = spliced.timelineAttempts {
            writer.key("timeline")
            writer.beginObject()
            writer.key("attempts")
            write(&writer)
            writer.field("breaker", timeline.breaker)
            writer.field("runs", timeline.runs)
            writer.endObject()
        } else {
            writer.field("timeline", timeline)
        }
        writer.field("timestamp", timestamp)
        writer.field("version", version)
        if let write = spliced.workstreams {
            writer.key("workstreams")
            write(&writer)
        } else {
            writer.field("workstreams", sorted: workstreams) { $1.write(to: &$0) }
        }
        writer.endObject()
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
        writer.field(CheckpointKeys.attempts, attempts)
        writer.field(CheckpointKeys.completedAt, completedAt)
        writer.field(CheckpointKeys.costUSD, costUSD)
        writer.field(CheckpointKeys.definition, definition)
        writer.field(CheckpointKeys.durationMS, durationMS)
        writer.field(CheckpointKeys.lastAttempt, lastAttempt)
        writer.field(CheckpointKeys.lastExitCode, lastExitCode)
        writer.field(CheckpointKeys.lastRun, lastRun)
        writer.field(CheckpointKeys.lastStatus, lastStatus)
        writer.field(CheckpointKeys.lastSuccessMS, lastSuccessMS)
        writer.endObject()
    }
}

extension InFlightRecord: JSONWritable {
    /// Writes the value as the checkpoint file holds it, keys sorted.
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field(CheckpointKeys.attempt, attempt)
        writer.field(CheckpointKeys.bootID, bootID)
        writer.field(CheckpointKeys.host, host)
        writer.field(CheckpointKeys.id, id)
        writer.field(CheckpointKeys.jobID, jobID)
        writer.field(CheckpointKeys.pid, pid)
        writer.field(CheckpointKeys.pidNamespace, pidNamespace)
        writer.field(CheckpointKeys.processStart, processStart)
        writer.field(CheckpointKeys.run, run)
        writer.field(CheckpointKeys.scheduler, scheduler)
        writer.field(CheckpointKeys.startedAt, startedAt)
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
