import Foundation
import Oneshot

extension RunCommand {
    /// Resolves the targets, `--rerun` and `--only` against `graph`, and the graph the
    /// dispatcher runs; prints the problem and returns `nil` for an unknown id.
    func selectWorkstreams(_ graph: WorkstreamGraph) -> (TargetSelection, WorkstreamGraph)? {
        do {
            let selection = try TargetSelection(graph: graph, featureID: arguments.featureID, arguments: arguments.selection)
            return (selection, try selection.runGraph())
        } catch let error as UsageError {
            console.error(error.message)
        } catch let error as InputErrors {
            error.errors.forEach { console.error($0.description) }
        } catch {
            console.error("\(error)")
        }
        return nil
    }

    /// With `--only` and without `--assume-deps-done`: the refusal naming a dependency that is
    /// not recorded done — completed in the interrupted run's checkpoint (as a resume would keep
    /// it), up to date in the history, or declared done in its file.
    func unmetDependency(
        _ selection: TargetSelection, history: HistoryPlan?, executor: CommandExecutor
    ) -> String? {
        guard !selection.arguments.only.isEmpty, !arguments.selection.assumeDepsDone else { return nil }
        let done = CommandCheck.done(
            featureID: arguments.featureID, graph: selection.graph, executor: executor,
            fresh: arguments.fresh || arguments.force, history: history)
        return selection.refusal(done: done.subtracting(selection.rerun))
    }
}

extension RunCommand {
    /// One warning per attempt of an earlier run still running outside the selection: this run
    /// does not wait for it; it stays recorded in flight, for the next run to adopt.
    func adoptionsOutside(_ plan: ResumePlan, runGraph: WorkstreamGraph) -> [String] {
        plan.adopted.filter { runGraph.node($0.id) == nil }.map {
            "\($0.id) still runs from an earlier run, outside the selected workstreams: not waited for; it stays in the checkpoint for the next run to adopt"
        }
    }
}
