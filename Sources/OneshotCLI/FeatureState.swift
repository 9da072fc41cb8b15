import Foundation
import Oneshot

/// Where a feature stands, as `oneshot list` shows it: read from its lock, checkpoint and history
/// without taking the lock.
struct FeatureState {
    /// `never_run`, `running`, `interrupted`, `failed`, `up_to_date`, `out_of_date`, `unreadable` (the checkpoint) or
    /// `succeeded` (the last run succeeded; its files cannot be read to tell more).
    var state: String
    /// The pid written in the lock while a run holds it.
    var pid: Int32?
    /// Workstreams completed and in all, from the checkpoint (a run under way or stopped).
    var done: Int?
    var total: Int?
    /// Workstreams failed (and skipped because of it), from the checkpoint.
    var failed: Int?
    /// When the last successful run finished, from the history.
    var lastRun: String?
    /// From the history, the workstreams a run would run again.
    var toRun: Int?
    /// A problem reading the checkpoint or the history.
    var problem: String?

    /// Reads `featureID`'s state; `files` (when they load) tell whether a history is up to date.
    static func read(_ featureID: String, files: FeatureFiles?) -> FeatureState {
        let paths = CheckpointPaths(featureID: featureID)
        let running = FileLock.isHeld(paths.lock)
        var state = FeatureState(state: running ? "running" : "never_run")
        if running { state.pid = FileLock.holder(of: paths.lock) }
        do {
            if let (checkpoint, _) = try CheckpointReader.load(paths) {
                state.count(CheckpointStatus(checkpoint: checkpoint, runInProgress: running))
                return state
            }
        } catch {
            state.problem = error.description
            if !running { state.state = "unreadable" }
            return state
        }
        let (history, warning) = RunHistory.load(RunHistory.path(featureID: featureID), featureID: featureID)
        state.problem = warning
        guard let history else { return state }
        state.lastRun = history.finishedAt
        guard !running else { return state }
        guard let plan = files?.historyPlan(history) else {
            state.state = "succeeded"
            return state
        }
        state.state = plan.isUpToDate ? "up_to_date" : "out_of_date"
        if !plan.isUpToDate { state.toRun = plan.reruns.count }
        return state
    }

    /// Takes the counts of a checkpoint: a run stopped with failures is `failed`, else `interrupted`.
    private mutating func count(_ status: CheckpointStatus) {
        done = status.count("completed")
        total = status.rows.count
        failed = status.count("failed") + status.count("skipped")
        if state != "running" { state = status.count("failed") > 0 ? "failed" : "interrupted" }
    }

    /// The state for people: `interrupted (9/14 done)`, `running (pid 812, 3/14 done)`.
    var text: String {
        var details: [String] = []
        if let pid { details.append("pid \(pid)") }
        if let done, let total { details.append("\(done)/\(total) done") }
        if let failed, failed > 0 { details.append("\(failed) failed or skipped") }
        if let toRun { details.append("\(plural(toRun, "workstream")) to run again") }
        let name = state.replacingOccurrences(of: "_", with: " ")
        return details.isEmpty ? name : "\(name) (\(details.joined(separator: ", ")))"
    }

    /// The state as JSON (`Schemas/list.schema.json`, `featureState`).
    var json: [String: Any] {
        var object: [String: Any] = ["state": state]
        if let pid { object["pid"] = Int(pid) }
        if let done { object["done"] = done }
        if let total { object["total"] = total }
        if let failed { object["failed"] = failed }
        if let lastRun { object["last_run"] = lastRun }
        if let toRun { object["to_run"] = toRun }
        if let problem { object["problem"] = problem }
        return object
    }
}
