import Foundation
import Oneshot

/// One workstream as `oneshot list F052` shows it.
struct WorkstreamRow {
    var id: String
    /// `completed`, `running`, `uncertain`, `failed`, `interrupted`, `skipped`, `pending`, or
    /// `to_run` (completed by the last successful run, but changed since).
    var state: String
    var dependencies: [String]
    var title: String?
    var file: String?
    var attempts: Int?
    /// Why it is `to_run`, or which failure `skipped` it.
    var reason: String?

    /// The rows of `files`, in id order: states from the checkpoint when there is one, else from
    /// the last successful run's history, else `pending`.
    static func rows(of files: FeatureFiles, featureID: String, running: Bool) -> [WorkstreamRow] {
        let paths = CheckpointPaths(featureID: featureID)
        var states: [String: (String, Int?, String?)] = [:]
        if let (checkpoint, _) = try? CheckpointReader.load(paths) {
            for row in CheckpointStatus(checkpoint: checkpoint, runInProgress: running).rows {
                states[row.id] = (row.state, row.attempts, row.blockedBy.map { "blocked by \($0)" })
            }
        } else if let history = RunHistory.load(RunHistory.path(featureID: featureID), featureID: featureID).history {
            let plan = files.historyPlan(history)
            for id in plan.upToDate { states[id] = ("completed", history.workstreams[id]?.attempts, nil) }
            for rerun in plan.reruns { states[rerun.id] = ("to_run", history.workstreams[rerun.id]?.attempts, rerun.reason) }
        }
        return files.graph.workstreams.map { workstream in
            let known = states[workstream.id]
            return WorkstreamRow(
                id: workstream.id, state: workstream.isDeclaredDone ? "completed" : known?.0 ?? "pending",
                dependencies: workstream.dependencies, title: workstream.title, file: workstream.source?.file,
                attempts: known?.1, reason: known?.2)
        }.sorted { $0.id < $1.id }
    }

    /// The table for people: one line a workstream, and the counts.
    static func table(_ rows: [WorkstreamRow]) -> [String] {
        let width = max(10, rows.map(\.id.count).max() ?? 0)
        let depends = rows.map { $0.dependencies.isEmpty ? "-" : $0.dependencies.joined(separator: ",") }
        let dependsWidth = max(10, depends.map(\.count).max() ?? 0)
        var lines = [
            "\("WORKSTREAM".padding(to: width))  \("STATE".padding(to: 11))  \("DEPENDS ON".padding(to: dependsWidth))  TITLE"
        ]
        for (row, depends) in zip(rows, depends) {
            var title = row.title ?? ""
            if let reason = row.reason { title += title.isEmpty ? "(\(reason))" : " (\(reason))" }
            let state = row.state.replacingOccurrences(of: "_", with: " ")
            lines.append(
                "\(row.id.padding(to: width))  \(state.padding(to: 11))  \(depends.padding(to: dependsWidth))  \(title)"
                    .trimmingCharacters(in: .whitespaces))
        }
        var counts: [String: Int] = [:]
        rows.forEach { counts[$0.state, default: 0] += 1 }
        lines.append(
            counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key.replacingOccurrences(of: "_", with: " "))" }
                .joined(separator: ", "))
        return lines
    }

    /// The row as JSON (`Schemas/list.schema.json`, `workstream`).
    var json: [String: Any] {
        var object: [String: Any] = ["id": id, "state": state, "depends_on": dependencies]
        if let title { object["title"] = title }
        if let file { object["file"] = file }
        if let attempts { object["attempts"] = attempts }
        if let reason { object["reason"] = reason }
        return object
    }
}
