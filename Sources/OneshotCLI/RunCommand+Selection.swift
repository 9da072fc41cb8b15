import Foundation
import Oneshot

extension RunCommand {
    /// Resolves the targets, `--rerun` and `--only` against the feature, and gives them to the
    /// run.
    ///
    /// - Throws: ``UsageError`` for an unknown id.
    func select(_ featureRun: FeatureRun) throws(UsageError) -> (TargetSelection, FeatureRun) {
        let selection = try TargetSelection(
            graph: featureRun.graph, featureID: arguments.featureID, arguments: arguments.selection)
        var selected = featureRun
        selected.selection = selection.runSelection
        return (selection, selected)
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
