import Foundation
import Oneshot

extension FeaturePlan {
    /// What the targets, `--rerun` and `--only` select, for people; nothing without them.
    func selectionLines() -> [String] {
        guard let selection else { return [] }
        var lines: [String] = []
        if let summary = selection.summary {
            let toRun = selection.scopeIDs.filter { state(of: $0) != "completed" }
            lines.append("selected: \(summary)")
            // No empty `… 0:` lines: an up-to-date selection, or one with nothing left outside it.
            lines.append(
                toRun.isEmpty
                    ? "  a run would run nothing: the selected workstreams are done"
                    : "  a run would run \(toRun.count): \(toRun.joined(separator: ", "))")
            let outside = graph.workstreams.map(\.id).filter { state(of: $0) == "not_selected" }
            if !outside.isEmpty {
                lines.append("  not selected, not done \(outside.count): \(outside.joined(separator: ", "))")
            }
        }
        if !selection.rerun.isEmpty {
            let rerun = graph.workstreams.map(\.id).filter(selection.rerun.contains)
            lines.append("run again (--rerun and downstream) \(rerun.count): \(rerun.joined(separator: ", "))")
        }
        return lines
    }

    /// The selection for `--json`: `null` without one.
    var selectionJSON: Any {
        guard let selection else { return NSNull() }
        return [
            "targets": selection.arguments.targets,
            "only": selection.arguments.only,
            "rerun": graph.workstreams.map(\.id).filter(selection.rerun.contains),
            "selected": selection.scopeIDs,
            "would_run": selection.scopeIDs.filter { state(of: $0) != "completed" },
        ] as [String: Any]
    }
}
