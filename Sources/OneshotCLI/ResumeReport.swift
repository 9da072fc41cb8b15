import Oneshot

/// The short report at the start of a resumed run, in the seed's terms: PRESERVED, UNCERTAIN,
/// TO RETRY, PENDING, and what changed in the files.
struct ResumeReport {
    let plan: ResumePlan
    let previous: Checkpoint?
    let graph: WorkstreamGraph
    let logFolder: String

    func lines() -> [String] {
        var lines: [String] = []
        let runs = previous?.runs.map { " (runs so far: \($0))" } ?? ""
        lines.append("Resuming \(previous?.featureID ?? "") from the checkpoint of \(previous?.timestamp ?? "?")\(runs)")
        if !plan.preserved.isEmpty {
            lines.append(
                "PRESERVED   \(plan.preserved.count): "
                    + plan.preserved.map { item in
                        item.durationMS.map { "\(item.id) (\(DurationText.format(.milliseconds($0))))" } ?? item.id
                    }.joined(separator: ", "))
        }
        for item in plan.finishedMeanwhile {
            let record = item.record
            let outcome = item.exitCode == 0 ? "kept as completed" : "runs again"
            lines.append(
                "FINISHED    \(record.id): attempt \(record.attempt) ended while no oneshot was running, exit \(item.exitCode); \(outcome)"
            )
        }
        for record in plan.adopted {
            lines.append(
                "ADOPTED     \(record.id): attempt \(record.attempt) (pid \(record.pid.map(String.init) ?? "?")) is still running; waiting for it, log \(logFolder)/\(record.id).log"
            )
        }
        for item in plan.uncertain {
            let record = item.record
            let action = item.willRerun ? "runs again" : "NOT run again (idempotent: false; see below)"
            let place = item.elsewhere.map { "; it was running \($0) when that run died and is not signalled from here" } ?? ""
            lines.append(
                "UNCERTAIN   \(record.id): attempt \(record.attempt) started \(record.startedAt), log \(logFolder)/\(record.id).log\(place); \(action)"
            )
        }
        if !plan.toRetry.isEmpty { lines.append("TO RETRY    \(plan.toRetry.count): \(plan.toRetry.joined(separator: ", "))") }
        if !plan.pending.isEmpty { lines.append("PENDING     \(plan.pending.count): \(plan.pending.joined(separator: ", "))") }
        for change in plan.changes { lines.append("CHANGED     \(change)") }
        let done = plan.completed.count + graph.workstreams.filter { $0.isDeclaredDone && !plan.completed.contains($0.id) }.count
        lines.append(
            "Resuming: \(done)/\(graph.count) done, ~\(DurationText.format(.milliseconds(plan.preservedMS))) of work skipped"
        )
        return lines
    }
}
