import OneshotGraph
import OneshotWorkstreams

/// What a run will do with what an earlier run left: the seed's state categories.
///
/// PRESERVED work is skipped, UNCERTAIN work (running when the earlier run died) is run again
/// unless it is not idempotent, failed work is retried, the rest is pending.
public struct ResumePlan: Sendable, Equatable {
    /// A completed workstream kept as completed.
    public struct Preserved: Sendable, Equatable {
        /// Its id.
        public var id: String
        /// How long its successful attempt took, when known.
        public var durationMS: Int?
    }

    /// A workstream that was running when the earlier run stopped, with nothing known of how
    /// it ended.
    public struct Uncertain: Sendable, Equatable {
        /// What was recorded about the attempt.
        public var record: InFlightRecord
        /// Whether it will run again now (idempotent, or `--rerun-uncertain`).
        public var willRerun: Bool
        /// Where its process ran, when that was another host or boot ("on ci-runner-7"): it is
        /// never signalled from here.
        public var elsewhere: String?
        /// Its workstream's `verify:` command, which a resume runs before deciding (see
        /// ``ResumePlan/verifying(_:)``); `nil` when it has none.
        public var verify: String?
        /// How that command ended when it did not exit 0 (`exit 1`, `timed out after 30s`); `nil`
        /// until it ran, or without one.
        public var verifyFailure: String?
    }

    /// An uncertain workstream whose `verify:` command exited 0: completed, not run again.
    public struct Verified: Sendable, Equatable {
        /// What was recorded about the attempt it vouches for.
        public var record: InFlightRecord
        /// The command that said so.
        public var command: String
    }

    /// An attempt that ended while no oneshot was running and left its exit status.
    public struct FinishedMeanwhile: Sendable, Equatable {
        /// What was recorded about the attempt.
        public var record: InFlightRecord
        /// Its exit code: 0 keeps the workstream completed, anything else retries it.
        public var exitCode: Int32
        /// How long it ran, when known.
        public var durationMS: Int?
    }

    /// Whether a checkpoint was found.
    public var isResume: Bool
    /// Ids that stay completed.
    public var completed: Set<String>
    /// The same, with durations, in id order.
    public var preserved: [Preserved]
    /// Workstreams that were in flight, with nothing known of their end, in id order.
    public var uncertain: [Uncertain]
    /// Attempts of the earlier run still running here: this run waits for them (adopts them)
    /// instead of starting them again, in id order.
    public var adopted: [InFlightRecord] = []
    /// Attempts that ended while no oneshot ran, with their exit codes, in id order.
    public var finishedMeanwhile: [FinishedMeanwhile] = []
    /// Uncertain workstreams whose `verify:` command exited 0, now completed, in id order.
    public var verified: [Verified] = []
    /// Ids that failed or were interrupted: run again.
    public var toRetry: [String]
    /// Ids neither done nor started.
    public var pending: [String]
    /// What changed in the files since the checkpoint, one sentence each.
    public var changes: [String]
    /// Durations of earlier successful attempts, in seconds, to prioritise the ready queue.
    public var knownDurations: [String: Double]
    /// Attempts the earlier runs made of each workstream of the feature, those in flight when
    /// they stopped included: this run's attempts are numbered after them
    /// (``DispatchOptions/previousAttempts``).
    public var previousAttempts: [String: Int] = [:]

    /// Uncertain workstreams that must not run again until the user says so.
    public var held: Set<String> { Set(uncertain.filter { !$0.willRerun }.map(\.record.id)) }

    /// Time of the preserved work, in milliseconds.
    public var preservedMS: Int { preserved.reduce(0) { $0 + ($1.durationMS ?? 0) } }

    /// A plan for a run with no checkpoint; `completed` are up to date from the history.
    public static func fresh(_ graph: WorkstreamGraph, completed: Set<String> = []) -> ResumePlan {
        ResumePlan(
            isResume: false, completed: completed, preserved: [], uncertain: [], toRetry: [],
            pending: graph.workstreams.filter { !$0.isDeclaredDone && !completed.contains($0.id) }.map(\.id), changes: [],
            knownDurations: [:]
        )
    }

    /// Reconciles `checkpoint` (and the in-flight records written beside it) with the feature as
    /// its files are now.
    ///
    /// - Parameters:
    ///   - graph: the feature, rebuilt from its files.
    ///   - checkpoint: what the earlier run saved.
    ///   - rerunUncertain: run non-idempotent uncertain workstreams again (`--rerun-uncertain`).
    ///   - outputExists: whether a declared output path exists.
    ///   - probe: what became of an attempt that was in flight (its exit status, its process);
    ///     the default knows nothing, which makes every such attempt UNCERTAIN.
    public static func make(
        graph: WorkstreamGraph,
        checkpoint: Checkpoint,
        rerunUncertain: Bool,
        outputExists: (String) -> Bool,
        probe: (InFlightRecord) -> OrphanFinding = { _ in .unknown }
    ) -> ResumePlan {
        var changes: [String] = []
        let records = checkpoint.workstreams ?? [:]
        let recordedDependencies = Dictionary(
            (checkpoint.graph?.nodes ?? []).map { ($0.id, Set($0.dependsOn)) }, uniquingKeysWith: { first, _ in first }
        )
        var invalid: [Int] = []
        var completed: Set<String> = []
        for id in Set(checkpoint.completed).sorted() {
            guard let node = graph.node(id) else {
                changes.append("\(id) was completed but is no longer in the feature")
                continue
            }
            let workstream = graph.workstreams[node]
            if let before = recordedDependencies[id], before != Set(workstream.dependencies) {
                changes.append("\(id) changed its dependencies since it completed: it runs again")
                invalid.append(node)
            } else if let missing = workstream.outputs.first(where: { !outputExists($0) }) {
                changes.append("\(id) completed but its output \(missing) is missing: it runs again")
                invalid.append(node)
            } else {
                if let definition = records[id]?.definition, definition != DefinitionHash.of(workstream) {
                    changes.append(
                        "\(id) changed its command or outputs since it completed; it stays completed (--fresh redoes everything)")
                }
                completed.insert(id)
            }
        }
        // Whatever depends on work that runs again used its old result: it runs again too.
        var stack = invalid
        var seen = Set(invalid)
        while let node = stack.popLast() {
            for dependent in graph.dependents[node] where seen.insert(dependent).inserted {
                let id = graph.workstreams[dependent].id
                if completed.remove(id) != nil { changes.append("\(id) depends on work that runs again: it runs again") }
                stack.append(dependent)
            }
        }
        var uncertain: [Uncertain] = []
        var adopted: [InFlightRecord] = []
        var finishedMeanwhile: [FinishedMeanwhile] = []
        var retry = Set(checkpoint.failed + (checkpoint.interrupted ?? []))
        for record in inFlightAttempts(graph: graph, checkpoint: checkpoint, completed: completed) {
            switch probe(record) {
            case let .finished(exitCode, _) where exitCode > 128 && !isIdempotent(record.id, graph):
                // Ended by a signal (the shell's 128 + n): stopped halfway. The subshell's outer
                // shell that a command with exec/trap/eval runs in outlives the stop of an
                // interrupted run and writes that status, which was then retried as a failure:
                // an `idempotent: false` attempt ran twice. It may have done part of its work.
                uncertain.append(uncertainEntry(record, graph: graph, rerunUncertain: rerunUncertain, elsewhere: nil))
            case let .finished(exitCode, durationMS):
                finishedMeanwhile.append(FinishedMeanwhile(record: record, exitCode: exitCode, durationMS: durationMS))
                if exitCode == 0 { completed.insert(record.id) } else { retry.insert(record.id) }
            case .running(let pid):
                // A record without its process (the run died before writing it) gets the pid the
                // probe found, for the report; the process is looked for again when adopted.
                var running = record
                running.pid = running.pid ?? pid
                adopted.append(running)
            case .jobActive(let scheduler, let jobID):
                // Found by name when the job id was never journaled: the resume records it now.
                var found = record
                (found.scheduler, found.jobID) = (scheduler, jobID)
                adopted.append(found)
            case .elsewhere(let place):
                uncertain.append(uncertainEntry(record, graph: graph, rerunUncertain: rerunUncertain, elsewhere: place))
            case .unknown:
                uncertain.append(uncertainEntry(record, graph: graph, rerunUncertain: rerunUncertain, elsewhere: nil))
            }
        }
        let inFlightIDs = Set(uncertain.map(\.record.id) + adopted.map(\.id))
        var toRetry: [String] = []
        var pending: [String] = []
        for workstream in graph.workstreams where !workstream.isDeclaredDone && !completed.contains(workstream.id) {
            if inFlightIDs.contains(workstream.id) { continue }
            if retry.contains(workstream.id) { toRetry.append(workstream.id) } else { pending.append(workstream.id) }
        }
        for id in Set(checkpoint.failed + checkpoint.completed) where graph.node(id) == nil && !checkpoint.completed.contains(id)
        {
            changes.append("\(id) is in the checkpoint but no longer in the feature")
        }
        var durations: [String: Double] = [:]
        for (id, record) in records {
            if let milliseconds = record.lastSuccessMS { durations[id] = Double(milliseconds) / 1000 }
        }
        var previousAttempts: [String: Int] = [:]
        for (id, record) in records where graph.node(id) != nil && record.attempts > 0 {
            previousAttempts[id] = record.attempts
        }
        // An attempt killed with oneshot (kill -9) never recorded its end, but it was made.
        for record in checkpoint.inFlight ?? [] where graph.node(record.id) != nil {
            previousAttempts[record.id] = max(previousAttempts[record.id] ?? 0, record.attempt)
        }
        let meanwhile = Dictionary(
            finishedMeanwhile.map { ($0.record.id, $0.durationMS) }, uniquingKeysWith: { first, _ in first })
        return ResumePlan(
            isResume: true,
            completed: completed,
            preserved: completed.sorted().map {
                Preserved(id: $0, durationMS: records[$0]?.lastSuccessMS ?? meanwhile[$0] ?? nil)
            },
            uncertain: uncertain,
            adopted: adopted,
            finishedMeanwhile: finishedMeanwhile,
            toRetry: toRetry,
            pending: pending,
            changes: changes.sorted(),
            knownDurations: durations,
            previousAttempts: previousAttempts
        )
    }

    private static func isIdempotent(_ id: String, _ graph: WorkstreamGraph) -> Bool {
        graph.node(id).map { graph.workstreams[$0].isIdempotent } ?? true
    }

    private static func uncertainEntry(
        _ record: InFlightRecord, graph: WorkstreamGraph, rerunUncertain: Bool, elsewhere: String?
    ) -> Uncertain {
        let workstream = graph.node(record.id).map { graph.workstreams[$0] }
        return Uncertain(
            record: record, willRerun: (workstream?.isIdempotent ?? true) || rerunUncertain, elsewhere: elsewhere,
            verify: workstream?.verify)
    }

    /// The in-flight records of workstreams of the feature that did not finish afterwards, in id
    /// order. (The checkpoint reader has already merged each attempt's launch and process
    /// records.)
    private static func inFlightAttempts(graph: WorkstreamGraph, checkpoint: Checkpoint, completed: Set<String>)
        -> [InFlightRecord]
    {
        let records = checkpoint.workstreams ?? [:]
        return (checkpoint.inFlight ?? []).sorted(by: { $0.id < $1.id }).filter { record in
            guard graph.node(record.id) != nil, !completed.contains(record.id) else { return false }
            if let finished = records[record.id], let run = finished.lastRun, let attempt = finished.lastAttempt,
                (run, attempt) >= order(record)
            {
                return false
            }
            return true
        }
    }

    private static func order(_ record: InFlightRecord) -> (Int, Int) {
        (record.run ?? 0, record.attempt)
    }
}
