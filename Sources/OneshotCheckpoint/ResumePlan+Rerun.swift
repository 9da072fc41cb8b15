import OneshotGraph
import OneshotWorkstreams

extension ResumePlan {
    /// The plan with `ids` run again even though they are done (`--rerun`, already widened to
    /// everything downstream): they leave the completed and preserved sets and are pending,
    /// each with a line in ``changes``.
    ///
    /// - Parameters:
    ///   - ids: the workstreams to run again.
    ///   - graph: the feature, for the order of the pending list.
    public func rerunning(_ ids: Set<String>, graph: WorkstreamGraph) -> ResumePlan {
        guard !ids.isEmpty else { return self }
        var plan = self
        let wasCompleted = completed.intersection(ids)
        plan.completed.subtract(ids)
        plan.preserved.removeAll { ids.contains($0.id) }
        let pending = Set(pending).union(wasCompleted)
        plan.pending = graph.workstreams.map(\.id).filter { pending.contains($0) }
        plan.changes = (changes + wasCompleted.map { "\($0) was completed: it runs again (--rerun)" }).sorted()
        return plan
    }
}
