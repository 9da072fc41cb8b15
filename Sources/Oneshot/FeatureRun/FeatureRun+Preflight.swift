import Foundation
import OneshotBreaker
import OneshotCheckpoint
import OneshotCommand
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotWorkstreams

extension FeatureRun {
    /// The graph the dispatcher runs: the selection's scope, its dependencies outside it
    /// satisfied.
    func selectedGraph() throws(Failure) -> WorkstreamGraph {
        let ids = (selection.scope ?? []).union(selection.rerun.keys)
        if let unknown = ids.sorted().first(where: { graph.node($0) == nil }) { throw .unknownWorkstream(unknown) }
        guard let scope = selection.scope else { return graph }
        let members = graph.workstreams.filter { scope.contains($0.id) }
        let outside = Set(members.flatMap(\.dependencies)).subtracting(scope)
        do {
            return try WorkstreamGraph(members, satisfiedExternally: outside)
        } catch {
            throw .invalidFeature(error)
        }
    }

    /// What the last successful run's history says of the feature now, with the selection's
    /// reruns no longer up to date; `nil` without a history or when it is ignored.
    func historyPlan(_ history: RunHistory?, exec: String?) -> HistoryPlan? {
        guard !options.ignoresHistory, let history else { return nil }
        var plan = HistoryPlan.make(history: history, graph: graph, exec: exec, outputExists: outputExists)
        let forced = plan.upToDate.filter { selection.rerun[$0] != nil }
        guard !forced.isEmpty else { return plan }
        plan.upToDate.removeAll { selection.rerun[$0] != nil }
        plan.reruns += forced.map { HistoryPlan.Rerun(id: $0, reason: selection.rerun[$0] ?? "") }
        plan.reruns.sort { $0.id < $1.id }
        return plan
    }

    /// The history's plan as far as the selection goes: only the reruns it would run.
    func restricting(_ plan: HistoryPlan) -> HistoryPlan {
        var plan = plan
        plan.reruns.removeAll { !selection.contains($0.id) }
        return plan
    }

    /// Refuses a run that would start a workstream without a command, or (``Selection/requiresDoneDependencies``)
    /// with a dependency outside the selection not recorded done. Read without the lock, as
    /// `oneshot plan` reads it, so that nothing is written for a run that cannot start.
    func checkBeforeLock(_ attempts: FeatureRunAttempts, history: HistoryPlan?) throws(Failure) {
        let missing = attempts.withoutCommand(graph.workstreams)
        let needsDone = selection.requiresDoneDependencies && selection.scope != nil
        guard !missing.isEmpty || needsDone else { return }
        let done = doneBeforeLock(attempts, history: history).subtracting(selection.rerun.keys)
        let unrunnable = missing.filter { selection.contains($0.id) && !done.contains($0.id) }
        if !unrunnable.isEmpty { throw .missingCommand(unrunnable) }
        if needsDone, let (id, dependency) = missingDependency(done: done) {
            throw .dependencyNotDone(workstream: id, dependency: dependency)
        }
    }

    /// What a run would not start, read without the lock: the checkpoint's completed work, or
    /// with none the history's up-to-date work.
    private func doneBeforeLock(_ attempts: FeatureRunAttempts, history: HistoryPlan?) -> Set<String> {
        guard !options.fresh else { return [] }
        let checkpoint = try? CheckpointReader.load(paths)?.checkpoint
        guard let checkpoint else { return Set(history?.upToDate ?? []) }
        return ResumePlan.make(
            graph: graph, checkpoint: checkpoint, rerunUncertain: false, outputExists: outputExists,
            probe: attempts.probe
        ).completed
    }

    /// The first selected workstream with a dependency outside the selection that is neither in
    /// `done` nor declared done in its file, and that dependency.
    private func missingDependency(done: Set<String>) -> (String, String)? {
        guard let scope = selection.scope else { return nil }
        for workstream in graph.workstreams where scope.contains(workstream.id) {
            for dependency in workstream.dependencies where !scope.contains(dependency) && !done.contains(dependency) {
                guard let node = graph.node(dependency), !graph.workstreams[node].isDeclaredDone else { continue }
                return (workstream.id, dependency)
            }
        }
        return nil
    }

    /// Whether every workstream of the feature is done as `store` records it; `true` without a
    /// scope (the run ran everything it had to).
    func featureDone(_ store: CheckpointStore) -> Bool {
        guard selection.scope != nil else { return true }
        let completed = Set(store.current.completed)
        return graph.workstreams.allSatisfy { $0.isDeclaredDone || completed.contains($0.id) }
    }
}
