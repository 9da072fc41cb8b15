import Foundation
import Oneshot

/// The check a run makes before it starts, shared with `plan` and `--dry-run` so that they
/// accept exactly the features the run accepts: every workstream the run would start has a
/// command (its `run:`, or the `--exec` template). Work already done needs none.
enum CommandCheck {
    /// One error line per workstream that would run without a command, naming its file.
    ///
    /// - Parameter done: the workstreams the run would not start (completed in the checkpoint,
    ///   up to date in the history); asked only when some workstream has no command.
    static func problems(_ executor: CommandExecutor, graph: WorkstreamGraph, done: () -> Set<String>) -> [String] {
        let missing = executor.workstreamsWithoutCommand(graph.workstreams)
        guard !missing.isEmpty else { return [] }
        let skipped = done()
        return missing.filter { !skipped.contains($0.id) }.map { workstream in
            let place = workstream.source.map { "\($0): " } ?? ""
            return "\(place)workstream \(workstream.id) has no 'run:' command and no --exec template was given"
        }
    }

    /// What a run of `featureID` would not start, read without the lock as `plan` reads it: the
    /// checkpoint's completed work, or with none the history's up-to-date work.
    static func done(
        featureID: String, graph: WorkstreamGraph, executor: CommandExecutor, fresh: Bool, history: HistoryPlan?
    ) -> Set<String> {
        guard !fresh else { return [] }
        let checkpoint = try? CheckpointReader.load(CheckpointPaths(featureID: featureID))?.checkpoint
        guard let checkpoint else { return Set(history?.upToDate ?? []) }
        return ResumePlan.make(
            graph: graph, checkpoint: checkpoint, rerunUncertain: false,
            outputExists: { FileManager.default.fileExists(atPath: $0) }, probe: executor.probe
        ).completed
    }
}
