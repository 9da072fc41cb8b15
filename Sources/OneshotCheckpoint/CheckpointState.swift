import Foundation
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotWorkstreams

/// The progress a checkpoint records, as a pure value: built from a snapshot, advanced by
/// journal lines (the same ones whether they are being written or replayed after a crash), and
/// turned back into a ``Checkpoint``.
struct CheckpointState {
    var completed: Set<String>
    var failed: Set<String>
    var interrupted: Set<String>
    var skipped: [String: String]
    var inFlight: [String: InFlightRecord]
    var records: RecordTable
    var runs: Int
    var previousElapsedMS: Int
    var costUSD: Double
    var lastStateChange: String?
    var breaker: BreakerSnapshot?
    /// The graph as the snapshot recorded it, kept when the state is only replayed.
    var recordedGraph: GraphSnapshot?
    /// The run settings recorded with the checkpoint.
    var settings: RecordedSettings?
    /// When this run started, on a monotonic clock (a wall-clock step must not make the run's
    /// time negative); `nil` for a replayed state.
    var runStart: ContinuousClock.Instant?
    /// Each run and the breaker's transitions: see ``RunTimeline``. Its attempts are in `spans`.
    var timeline = RunTimeline()
    /// When each attempt ran: the timeline's attempts.
    var spans = SpanLog()
    /// Attempts launched and not ended yet, for their spans' starts.
    var launches: [String: Launch] = [:]
    /// What changed since a snapshot last took the state: what its ``SnapshotFragments``
    /// encode again; `nil` when not tracked (no fragments are kept: everything is encoded).
    /// The store starts it over as it copies the state for a snapshot.
    var changes: SnapshotChanges?

    /// The state a snapshot holds, exactly.
    init(restoring checkpoint: Checkpoint) {
        completed = Set(checkpoint.completed)
        failed = Set(checkpoint.failed)
        interrupted = Set(checkpoint.interrupted ?? [])
        skipped = checkpoint.skipped ?? [:]
        inFlight = Dictionary((checkpoint.inFlight ?? []).map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        records = RecordTable(checkpoint.workstreams ?? [:])
        runs = checkpoint.runs ?? 1
        previousElapsedMS = checkpoint.elapsedMS ?? 0
        costUSD = checkpoint.costUSD ?? 0
        lastStateChange = checkpoint.lastStateChange
        breaker = checkpoint.circuitBreaker
        recordedGraph = checkpoint.graph
        timeline = checkpoint.timeline ?? RunTimeline()
        spans = SpanLog(timeline.attempts)
        timeline.attempts = []
        settings = checkpoint.settings
    }

    /// The state at the start of a new run: what the plan keeps, the history carried over.
    init(plan: ResumePlan, previous: Checkpoint?, startedAt: ContinuousClock.Instant) {
        completed = plan.completed
        records = RecordTable(previous?.workstreams ?? [:])
        // Work to retry keeps what it was: work stopped by a signal or a deadline is interrupted,
        // not failed, however many runs it takes (an earlier version listed it under both).
        let wasInterrupted = Set(previous?.interrupted ?? []).subtracting(previous?.failed ?? [])
        let recorded = previous?.workstreams ?? [:]
        let interruptedLast = plan.toRetry.filter { id in
            recorded[id]?.lastStatus.map { $0 == AttemptStatus.interrupted.rawValue } ?? wasInterrupted.contains(id)
        }
        interrupted = Set(interruptedLast)
        failed = Set(plan.toRetry).subtracting(interrupted)
        skipped = [:]
        inFlight = [:]
        runs = CheckpointLimits.clamp(
            CheckpointLimits.add(previous?.runs ?? (previous == nil ? 0 : 1), 1), CheckpointLimits.count)
        previousElapsedMS = previous?.elapsedMS ?? 0
        costUSD = previous?.costUSD ?? 0
        breaker = previous?.circuitBreaker
        runStart = startedAt
        timeline = previous?.timeline ?? RunTimeline()
        spans = SpanLog(timeline.attempts)
        timeline.attempts = []
        timeline.runs.append(RunTimeline.Run(run: runs, startMS: EpochMilliseconds.now()))
    }

    /// Takes in what a resume found of the earlier run's attempts: those that finished while no
    /// oneshot ran are recorded with their exit codes; those still running stay in flight,
    /// now as attempts of this run, which waits for them.
    mutating func adopt(_ plan: ResumePlan, definitions graph: WorkstreamGraph) {
        let now = RFC3339.formatMilliseconds(Date())
        for finished in plan.finishedMeanwhile {
            let record = finished.record
            let definition = graph.node(record.id).map { DefinitionHash.of(graph.workstreams[$0]) }
            let status: AttemptStatus = finished.exitCode == 0 ? .succeeded : .failed
            inFlight[record.id] = record
            finish(
                FinishedAttempt(
                    id: record.id, attempt: record.attempt, run: record.run ?? 0, status: status.rawValue, final: true,
                    durationMS: finished.durationMS ?? 0, exitCode: finished.exitCode, costUSD: nil,
                    definition: status == .succeeded ? definition : nil),
                at: now)
        }
        for record in plan.adopted {
            var adopted = record
            adopted.run = runs
            inFlight[record.id] = adopted
        }
    }

    /// Applies one journal line. `atMS` is its time (``JournalLine/at``) in milliseconds when the
    /// caller knows it (``EpochMilliseconds/ofFormatted(_:)``): it is parsed from `at` otherwise.
    mutating func apply(_ line: JournalLine, atMS: Int64? = nil) {
        lastStateChange = line.at
        if var started = line.started {
            noteLaunch(started, at: line.at, atMS: atMS)
            // The launch, then its process: the same attempt recorded twice keeps what is known.
            if let index = inFlight.index(forKey: started.id) {
                let known = inFlight.values[index]
                if known.attempt == started.attempt, known.run == started.run {
                    started.pid = started.pid ?? known.pid
                    started.processStart = started.processStart ?? known.processStart
                    started.bootID = started.bootID ?? known.bootID
                    started.host = started.host ?? known.host
                    started.pidNamespace = started.pidNamespace ?? known.pidNamespace
                    started.scheduler = started.scheduler ?? known.scheduler
                    started.jobID = started.jobID ?? known.jobID
                    started.startedAt = known.startedAt
                }
                inFlight.values[index] = started
            } else {
                inFlight[started.id] = started
            }
        }
        for attempt in line.finished ?? [] { finish(attempt, at: line.at) }
        for (id, blockedBy) in line.skipped ?? [:] { skipped[id] = blockedBy }
        if let breaker = line.breaker {
            noteBreaker(breaker, at: line.at)
            self.breaker = breaker
        }
    }

    private mutating func finish(_ attempt: FinishedAttempt, at time: String) {
        let status = AttemptStatus(rawValue: attempt.status)
        noteFinish(attempt, at: time)
        // An uncertain attempt stays in flight: the next resume probes it, finds no exit status
        // and no process, and treats it as UNCERTAIN (held when not idempotent).
        if status != .uncertain, let index = inFlight.index(forKey: attempt.id),
            inFlight.values[index].attempt == attempt.attempt, inFlight.values[index].run == attempt.run
        {
            inFlight.remove(at: index)
        }
        records.update(attempt.id) { record in record.add(attempt, at: time) }
        if let cost = attempt.costUSD, cost.isFinite, cost >= 0 {
            costUSD = CheckpointLimits.clamp(costUSD + cost, CheckpointLimits.costUSD)
        }
        switch status {
        case .succeeded?:
            if completed.insert(attempt.id).inserted { changes?.completions.insert(attempt.id) }
            if !failed.isEmpty { failed.remove(attempt.id) }
            if !interrupted.isEmpty { interrupted.remove(attempt.id) }
        case .failed?, .timedOut?:
            if attempt.final {
                failed.insert(attempt.id)
                interrupted.remove(attempt.id)
            }
        case .interrupted?:
            interrupted.insert(attempt.id)
            failed.remove(attempt.id)
        case .uncertain?, nil:
            break
        }
        changes?.records.insert(attempt.id)
    }

    /// The checkpoint to write. With `graph`, the nodes are recomputed from it; without, the
    /// recorded graph is kept. `now` stamps it; `monotonicNow` measures this run's time.
    func checkpoint(
        featureID: String, graph: WorkstreamGraph?, fingerprint: String?, journalSeq: Int, now: Date,
        monotonicNow: ContinuousClock.Instant? = nil
    ) -> Checkpoint {
        // With milliseconds: a reader adds the time from it to the journal's last line.
        var checkpoint = Checkpoint(featureID: featureID, timestamp: RFC3339.formatMilliseconds(now))
        checkpoint.completed = completed.sorted()
        checkpoint.graph = graph.map(snapshot) ?? recordedGraph
        checkpoint.workstreams = records.dictionary
        fill(&checkpoint, fingerprint: fingerprint, journalSeq: journalSeq, now: now, monotonicNow: monotonicNow)
        checkpoint.timeline?.attempts = spans.all
        return checkpoint
    }

    /// Every member but `completed`, `graph`, `workstreams` and the timeline's attempts, the
    /// large ones.
    private func fill(
        _ checkpoint: inout Checkpoint, fingerprint: String?, journalSeq: Int, now: Date,
        monotonicNow: ContinuousClock.Instant?
    ) {
        checkpoint.failed = failed.sorted()
        // Always present, as in the seed's struct: closed with zero counts before any outcome.
        checkpoint.circuitBreaker = breaker ?? .closedWithoutHistory
        checkpoint.inFlight = inFlight.values.sorted { $0.id < $1.id }
        checkpoint.interrupted = interrupted.sorted()
        checkpoint.skipped = skipped
        checkpoint.runs = runs
        checkpoint.elapsedMS = elapsedMS(at: monotonicNow)
        checkpoint.costUSD = costUSD
        checkpoint.fingerprint = fingerprint
        checkpoint.lastStateChange = lastStateChange
        checkpoint.journalSeq = journalSeq
        checkpoint.timeline = timeline(at: now)
        checkpoint.settings = settings
    }

    /// `checkpoint(…)` encoded: the same bytes as `CheckpointCodec.encode(checkpoint(…))`
    /// (tested), without a ``GraphSnapshot`` of every node in memory at once — the fold of a
    /// 100,000-workstream feature. Encoded afresh; see the variant with fragments.
    func encodedCheckpoint(
        featureID: String, graph: WorkstreamGraph, fingerprint: String?, journalSeq: Int, now: Date,
        monotonicNow: ContinuousClock.Instant? = nil
    ) -> [UInt8] {
        var fragments = SnapshotFragments()
        return encodedCheckpoint(
            featureID: featureID, graph: graph, fingerprint: fingerprint, journalSeq: journalSeq, now: now,
            monotonicNow: monotonicNow, reusing: &fragments)
    }

    /// `checkpoint(…)` encoded, the same bytes, reusing the workstreams, nodes and spans that
    /// `fragments` holds from an earlier state: only what changed since is encoded (see
    /// ``SnapshotFragments``). `fragments` is brought up to this state.
    func encodedCheckpoint(
        featureID: String, graph: WorkstreamGraph, fingerprint: String?, journalSeq: Int, now: Date,
        monotonicNow: ContinuousClock.Instant? = nil, reusing fragments: inout SnapshotFragments
    ) -> [UInt8] {
        var checkpoint = Checkpoint(featureID: featureID, timestamp: RFC3339.formatMilliseconds(now))
        fill(&checkpoint, fingerprint: fingerprint, journalSeq: journalSeq, now: now, monotonicNow: monotonicNow)
        let bytes: [UInt8]
        if fragments.keeps(graph) {
            fragments.update(to: self, graph: graph)
            checkpoint.completed = fragments.completedIDs
            let spliced = fragments
            bytes = checkpoint.encoded(
                capacity: fragments.capacity(for: graph),
                splicing: Checkpoint.Spliced(
                    graph: spliced.writeGraph, workstreams: spliced.writeRecords, timelineAttempts: spliced.writeSpans))
        } else {
            checkpoint.completed = completed.sorted()
            bytes = checkpoint.encoded(
                capacity: fragments.capacity(for: graph), splicing: wholeSplicing(graph, &fragments))
        }
        fragments.encoded(bytes: bytes.count, graph: graph)
        return bytes
    }

    /// `checkpoint(…)` encoded whole, as ``encodedCheckpoint(featureID:graph:fingerprint:journalSeq:now:monotonicNow:reusing:)``
    /// encodes it for a feature whose fragments are not kept, handed to `sink` in chunks as it is
    /// written: at 100,000 workstreams the snapshot (33 MB) is never held whole.
    ///
    /// - Returns: how many bytes `sink` was given.
    func streamedCheckpoint(
        featureID: String, graph: WorkstreamGraph, fingerprint: String?, journalSeq: Int, now: Date,
        monotonicNow: ContinuousClock.Instant?, reusing fragments: inout SnapshotFragments,
        to sink: @escaping @Sendable ([UInt8]) -> Void
    ) -> Int {
        var checkpoint = Checkpoint(featureID: featureID, timestamp: RFC3339.formatMilliseconds(now))
        fill(&checkpoint, fingerprint: fingerprint, journalSeq: journalSeq, now: now, monotonicNow: monotonicNow)
        checkpoint.completed = completed.sorted()
        let count = checkpoint.encoded(splicing: wholeSplicing(graph, &fragments), streamingTo: sink)
        fragments.encoded(bytes: count, graph: graph)
        return count
    }

    /// The graph and the records written straight from the graph and the record table.
    private func wholeSplicing(_ graph: WorkstreamGraph, _ fragments: inout SnapshotFragments) -> Checkpoint.Spliced {
        let records = records
        let spans = spans
        let edges = fragments.edges(of: graph)
        let state = self
        let graphWriter: (inout JSONWriter) -> Void = { writer in
            writer.beginObject()
            writer.key("edges")
            writer.json(edges)
            writer.key("nodes")
            state.writeNodes(of: graph, to: &writer)
            writer.endObject()
        }
        return Checkpoint.Spliced(
            graph: graphWriter, workstreams: { records.write(to: &$0) },
            timelineAttempts: { writer in
                writer.beginArray()
                spans.write(to: &writer)
                writer.endArray()
            })
    }

    /// The graph's `edges` object: for each id with dependents, their ids; keys sorted.
    static func writeEdges(of graph: WorkstreamGraph, to writer: inout JSONWriter) {
        writer.beginObject()
        for node in graph.workstreams.indices.sorted(by: { graph.workstreams[$0].id < graph.workstreams[$1].id })
        where !graph.dependents[node].isEmpty {
            writer.key(graph.workstreams[node].id)
            writer.strings(graph.dependents[node].map { graph.workstreams[$0].id })
        }
        writer.endObject()
    }

    /// The time of earlier runs plus this run's so far, saturated at the loader's bound.
    private func elapsedMS(at monotonicNow: ContinuousClock.Instant?) -> Int {
        guard let runStart, let monotonicNow else { return previousElapsedMS }
        let thisRun = max(0, (monotonicNow - runStart).wholeMilliseconds)
        return CheckpointLimits.clamp(CheckpointLimits.add(previousElapsedMS, thisRun), CheckpointLimits.durationMS)
    }

    private func snapshot(_ graph: WorkstreamGraph) -> GraphSnapshot {
        var edges: [String: [String]] = [:]
        for node in graph.workstreams.indices where !graph.dependents[node].isEmpty {
            edges[graph.workstreams[node].id] = dependentIDs(of: node, in: graph)
        }
        return GraphSnapshot(nodes: graph.workstreams.indices.map { nodeSnapshot($0, in: graph) }, edges: edges)
    }

    /// The graph's `nodes` list: each node as ``nodeSnapshot(_:in:)`` has it, written without
    /// making it — at 100,000 workstreams, a list of ids and a lookup in `completed` per
    /// dependency of every node, at every fold. Each workstream is looked up once.
    func writeNodes(of graph: WorkstreamGraph, to writer: inout JSONWriter) {
        let done = graph.workstreams.map { completed.contains($0.id) }
        writer.beginArray()
        for node in graph.workstreams.indices {
            let dependencies = graph.dependencies[node]
            writer.beginObject()
            writer.field(CheckpointKeys.completed, done[node])
            writer.key(CheckpointKeys.dependsOn)
            writer.beginArray()
            for dependency in dependencies { writer.string(graph.workstreams[dependency].id) }
            writer.endArray()
            writer.field(CheckpointKeys.id, graph.workstreams[node].id)
            writer.field(CheckpointKeys.indegree, dependencies.reduce(0) { $0 + (done[$1] ? 0 : 1) })
            writer.endObject()
        }
        writer.endArray()
    }

    /// One node as the snapshot records it: its indegree counts the dependencies not completed.
    func nodeSnapshot(_ node: Int, in graph: WorkstreamGraph) -> NodeSnapshot {
        let dependencies = graph.dependencies[node].map { graph.workstreams[$0].id }
        let unmet = dependencies.reduce(0) { $0 + (completed.contains($1) ? 0 : 1) }
        let id = graph.workstreams[node].id
        return NodeSnapshot(id: id, dependsOn: dependencies, indegree: unmet, completed: completed.contains(id))
    }

    private func dependentIDs(of node: Int, in graph: WorkstreamGraph) -> [String] {
        graph.dependents[node].map { graph.workstreams[$0].id }
    }
}

extension WorkstreamRecord {
    /// Counts `attempt`, which ended at `time`, in the record (saturating: whatever is written
    /// here, the loader accepts).
    fileprivate mutating func add(_ attempt: FinishedAttempt, at time: String) {
        let status = AttemptStatus(rawValue: attempt.status)
        attempts = CheckpointLimits.clamp(CheckpointLimits.add(attempts, 1), CheckpointLimits.count)
        durationMS = CheckpointLimits.clamp(CheckpointLimits.add(durationMS, attempt.durationMS), CheckpointLimits.durationMS)
        // Not for an uncertain attempt: a later "last attempt" would mark its in-flight record as
        // finished (see `ResumePlan`).
        if status != .uncertain {
            lastStatus = attempt.status
            lastExitCode = attempt.exitCode
            lastRun = attempt.run
            lastAttempt = attempt.attempt
        }
        if let cost = attempt.costUSD, cost.isFinite, cost >= 0 {
            costUSD = CheckpointLimits.clamp((costUSD ?? 0) + cost, CheckpointLimits.costUSD)
        }
        guard status == .succeeded else { return }
        // A verified attempt's time was not measured: 0 would be taken for a known duration.
        if attempt.verified != true {
            lastSuccessMS = CheckpointLimits.clamp(attempt.durationMS, CheckpointLimits.durationMS)
        }
        completedAt = time
        definition = attempt.definition
    }
}
