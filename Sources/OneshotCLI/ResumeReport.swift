import Oneshot

/// The short report at the start of a resumed run, in the seed's terms: PRESERVED (with what a
/// `verify:` command vouched for), LOST (to recompute, with the time that takes), UNCERTAIN (with
/// how to verify it), PENDING, and what changed in the files.
struct ResumeReport {
    let plan: ResumePlan
    let previous: Checkpoint?
    let graph: WorkstreamGraph
    let logFolder: String
    /// Seconds by workstream id, from earlier runs: the LOST work's time to recreate.
    var knownDurations: [String: Double] = [:]

    func lines() -> [String] {
        var lines: [String] = []
        let runs = previous?.runs.map { " (runs so far: \($0))" } ?? ""
        lines.append("Resuming \(previous?.featureID ?? "") from the checkpoint of \(previous?.timestamp ?? "?")\(runs)")
        if !plan.preserved.isEmpty {
            let verified = Set(plan.verified.map(\.record.id))
            lines.append(
                "PRESERVED   \(plan.preserved.count): "
                    + plan.preserved.map { item in
                        if verified.contains(item.id) { return "\(item.id) (verified)" }
                        return item.durationMS.map { "\(item.id) (\(DurationText.format(.milliseconds($0))))" } ?? item.id
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
                "ADOPTED     \(record.id): attempt \(record.attempt) (\(record.runner)) is still \(record.scheduler == nil ? "running" : "queued or running"); waiting for it, log \(logFolder)/\(record.id).log"
            )
        }
        for item in plan.verified {
            lines.append(
                "VERIFIED    \(item.record.id): attempt \(item.record.attempt) was running when its run died; `\(item.command)` exited 0: kept as completed, not run again (output in \(logFolder)/\(item.record.id).log)"
            )
        }
        for item in plan.uncertain {
            let record = item.record
            let action = item.willRerun ? "runs again" : "NOT run again (idempotent: false; see below)"
            let place = item.elsewhere.map { "; it was running \($0) when that run died and is not signalled from here" } ?? ""
            let verify = item.verify.map { "; verify `\($0)` failed (\(item.verifyFailure ?? "not run"))" } ?? ""
            lines.append(
                "UNCERTAIN   \(record.id): attempt \(record.attempt) started \(record.startedAt), log \(logFolder)/\(record.id).log\(place)\(verify); \(action)"
            )
        }
        if let lost = lostLine() { lines.append(lost) }
        if !plan.pending.isEmpty { lines.append("PENDING     \(plan.pending.count): \(plan.pending.joined(separator: ", "))") }
        for change in plan.changes { lines.append("CHANGED     \(change)") }
        let done = plan.completed.count + graph.workstreams.filter { $0.isDeclaredDone && !plan.completed.contains($0.id) }.count
        lines.append(
            "Resuming: \(done)/\(graph.count) done, ~\(DurationText.format(.milliseconds(plan.preservedMS))) of work skipped"
        )
        return lines
    }

    /// `LOST        2: c (failed, ~1.2s), d (interrupted); must be recomputed: ~1.2s of known
    /// work, d's time unknown`, or `nil` when nothing is lost.
    private func lostLine() -> String? {
        guard !plan.toRetry.isEmpty else { return nil }
        let failed = Set(previous?.failed ?? [])
        let interrupted = Set(previous?.interrupted ?? [])
        let items = plan.toRetry.map { id in
            var notes: [String] = []
            if interrupted.contains(id) { notes.append("interrupted") } else if failed.contains(id) { notes.append("failed") }
            if let seconds = knownDurations[id] { notes.append("~" + DurationText.format(.milliseconds(Int64(seconds * 1000)))) }
            return notes.isEmpty ? id : "\(id) (\(notes.joined(separator: ", ")))"
        }
        let (milliseconds, unknown) = plan.timeToRecreate(knownDurations: knownDurations)
        var estimate: String
        if unknown.count == plan.toRetry.count {
            estimate = "time to recreate unknown (no earlier run recorded a duration)"
        } else {
            estimate = "estimated time to recreate ~\(DurationText.format(.milliseconds(Int64(milliseconds))))"
            if !unknown.isEmpty { estimate += " plus \(unknown.joined(separator: ", ")) (duration unknown)" }
        }
        return "LOST        \(plan.toRetry.count): \(items.joined(separator: ", ")); must be recomputed, \(estimate)"
    }
}
