import OneshotGraph
import OneshotWorkstreams

/// What a run with no checkpoint does with the feature's ``RunHistory``, as ninja does with its
/// log: a workstream that succeeded with its current definition, whose declared outputs exist,
/// is up to date and does not run; one whose definition changed, whose output is missing, or
/// that is new runs again, with everything that depends on it.
public struct HistoryPlan: Sendable, Equatable {
    /// A workstream that runs again, and why.
    public struct Rerun: Sendable, Equatable {
        /// Its id.
        public var id: String
        /// Why, for people: "its definition changed since it succeeded".
        public var reason: String

        /// Creates one.
        public init(id: String, reason: String) {
            self.id = id
            self.reason = reason
        }
    }

    /// The history it was made from.
    public var history: RunHistory
    /// Ids up to date: not run, in id order.
    public var upToDate: [String]
    /// The workstreams that run again, in id order.
    public var reruns: [Rerun]

    /// Whether nothing needs to run.
    public var isUpToDate: Bool { reruns.isEmpty }

    /// Compares the feature as its files are now with `history`.
    ///
    /// - Parameters:
    ///   - history: the last successful run.
    ///   - graph: the feature now.
    ///   - exec: the `--exec` template this run would use for workstreams without `run:`.
    ///   - outputExists: whether a declared output exists.
    public static func make(
        history: RunHistory, graph: WorkstreamGraph, exec: String?, outputExists: (String) -> Bool
    ) -> HistoryPlan {
        var reasons: [Int: String] = [:]
        for (node, workstream) in graph.workstreams.enumerated() where !workstream.isDeclaredDone {
            if let reason = directReason(workstream, history: history, exec: exec, outputExists: outputExists) {
                reasons[node] = reason
            }
        }
        // Whatever depends on work that runs again used its old result: it runs again too.
        for node in graph.topologicalOrder where reasons[node] == nil && !graph.workstreams[node].isDeclaredDone {
            if let culprit = graph.dependencies[node].first(where: { reasons[$0] != nil }) {
                reasons[node] = "depends on \(graph.workstreams[culprit].id), which runs again"
            }
        }
        let reruns = reasons.map { Rerun(id: graph.workstreams[$0.key].id, reason: $0.value) }.sorted { $0.id < $1.id }
        let upToDate = graph.workstreams.enumerated()
            .filter { !$0.element.isDeclaredDone && reasons[$0.offset] == nil }.map(\.element.id).sorted()
        return HistoryPlan(history: history, upToDate: upToDate, reruns: reruns)
    }

    /// The up-to-date workstreams as checkpoint records, so an interrupted run keeps them done.
    public var carried: [String: WorkstreamRecord] {
        var records: [String: WorkstreamRecord] = [:]
        for id in upToDate {
            guard let entry = history.workstreams[id] else { continue }
            var record = WorkstreamRecord()
            record.attempts = entry.attempts
            record.durationMS = entry.durationMS
            record.lastSuccessMS = entry.durationMS
            record.lastStatus = "succeeded"
            record.costUSD = entry.costUSD
            record.completedAt = entry.completedAt
            record.definition = entry.definition
            records[id] = record
        }
        return records
    }

    private static func directReason(
        _ workstream: Workstream, history: RunHistory, exec: String?, outputExists: (String) -> Bool
    ) -> String? {
        guard let entry = history.workstreams[workstream.id] else { return "new since the last run" }
        if entry.definition != DefinitionHash.of(workstream) {
            return "its definition (command, dependencies or outputs) changed since it succeeded"
        }
        if workstream.command == nil && exec != history.exec {
            return "the --exec command changed since it succeeded"
        }
        if let missing = workstream.outputs.first(where: { !outputExists($0) }) {
            return "its output \(missing) is missing"
        }
        return nil
    }
}
