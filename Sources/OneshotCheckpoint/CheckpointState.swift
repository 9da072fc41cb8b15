import Foundation
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotWorkstreams

/// The run's progress as the checkpoint will record it: a pure value, updated from the
/// dispatcher's journal entries and turned into a ``Checkpoint`` for each write.
struct CheckpointState {
    var completed: Set<String>
    var failed: Set<String>
    var interrupted: Set<String> = []
    var skipped: [String: String] = [:]
    var inFlight: [String: InFlightRecord] = [:]
    var records: [String: WorkstreamRecord]
    var runs: Int
    var previousElapsedMS: Int
    var costUSD: Double
    var lastStateChange: Date?
    var breaker: BreakerSnapshot?
    let runStart: Date

    init(plan: ResumePlan, previous: Checkpoint?, now: Date) {
        completed = plan.completed
        failed = Set(plan.toRetry)
        records = previous?.workstreams ?? [:]
        runs = (previous?.runs ?? (previous == nil ? 0 : 1)) + 1
        previousElapsedMS = previous?.elapsedMS ?? 0
        costUSD = previous?.costUSD ?? 0
        breaker = previous?.circuitBreaker
        runStart = now
    }

    mutating func attemptStarting(id: String, attempt: Int, now: Date) -> InFlightRecord {
        let record = InFlightRecord(id: id, attempt: attempt, startedAt: RFC3339.format(now), run: runs)
        inFlight[id] = record
        lastStateChange = now
        return record
    }

    mutating func apply(_ entry: JournalEntry, definition: (String) -> String?, now: Date) {
        lastStateChange = now
        switch entry {
        case .breaker(let saved):
            breaker = BreakerSnapshot(saved)
        case let .skipped(id, blockedBy):
            skipped[id] = blockedBy
        case let .attemptFinished(report, final):
            inFlight[report.id] = nil
            var record = records[report.id] ?? WorkstreamRecord()
            record.attempts += 1
            record.durationMS += milliseconds(report.duration)
            record.lastStatus = report.status.rawValue
            record.lastExitCode = report.result?.exitCode
            record.lastRun = runs
            record.lastAttempt = report.attempt
            if let cost = report.result?.costUSD, cost.isFinite, cost >= 0 {
                record.costUSD = (record.costUSD ?? 0) + cost
                costUSD += cost
            }
            switch report.status {
            case .succeeded:
                completed.insert(report.id)
                failed.remove(report.id)
                interrupted.remove(report.id)
                record.lastSuccessMS = milliseconds(report.duration)
                record.completedAt = RFC3339.format(now)
                record.definition = definition(report.id)
            case .failed, .timedOut:
                if final { failed.insert(report.id) }
            case .interrupted:
                interrupted.insert(report.id)
            }
            records[report.id] = record
        }
    }

    func checkpoint(featureID: String, graph: WorkstreamGraph, fingerprint: String, now: Date) -> Checkpoint {
        var checkpoint = Checkpoint(featureID: featureID, timestamp: RFC3339.format(now))
        checkpoint.completed = completed.sorted()
        checkpoint.failed = failed.sorted()
        var nodes: [NodeSnapshot] = []
        nodes.reserveCapacity(graph.count)
        var edges: [String: [String]] = [:]
        for (node, workstream) in graph.workstreams.enumerated() {
            let dependencies = graph.dependencies[node].map { graph.workstreams[$0].id }
            let unmet = dependencies.reduce(0) { $0 + (completed.contains($1) ? 0 : 1) }
            nodes.append(
                NodeSnapshot(
                    id: workstream.id, dependsOn: dependencies, indegree: unmet, completed: completed.contains(workstream.id)
                ))
            if !graph.dependents[node].isEmpty {
                edges[workstream.id] = graph.dependents[node].map { graph.workstreams[$0].id }
            }
        }
        checkpoint.graph = GraphSnapshot(nodes: nodes, edges: edges)
        checkpoint.circuitBreaker = breaker
        checkpoint.inFlight = inFlight.values.sorted { $0.id < $1.id }
        checkpoint.interrupted = interrupted.sorted()
        checkpoint.skipped = skipped
        checkpoint.workstreams = records
        checkpoint.runs = runs
        checkpoint.elapsedMS = previousElapsedMS + Int(now.timeIntervalSince(runStart) * 1000)
        checkpoint.costUSD = costUSD
        checkpoint.fingerprint = fingerprint
        checkpoint.lastStateChange = lastStateChange.map(RFC3339.format)
        return checkpoint
    }

    private func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
