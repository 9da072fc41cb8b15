import Foundation
import Oneshot
import OneshotSystem

/// `oneshot status F052`: reads the checkpoint without the lock (the writer's rename makes every
/// read whole) and shows each workstream's state, the breaker, runs, time and cost.
struct StatusCommand {
    let arguments: StatusArguments
    let console: Console

    func execute() -> ExitCode {
        if let code = ProjectRoot.enter(arguments.projectRoot, reportingTo: console) { return code }
        let paths = CheckpointPaths(featureID: arguments.featureID)
        let checkpoint: Checkpoint
        do {
            guard let (loaded, notes) = try CheckpointReader.load(paths) else {
                if let shown = showHistory() { return shown }
                // As `oneshot F9` says: a feature with no folder is not one that never ran.
                if let missing = FeatureFiles.missingFolder(arguments.featureID) {
                    console.error(missing.description)
                    return ExitCode(missing)
                }
                console.error("no checkpoint for \(arguments.featureID) (\(paths.checkpoint)): nothing to resume")
                return .noCheckpoint
            }
            notes.forEach { console.warning($0) }
            checkpoint = loaded
        } catch {
            console.error(error.description)
            return ExitCode(error)
        }
        // Readers take no lock; whether one is held is asked of the kernel, and the pid in the
        // file is only shown.
        let running = FileLock.isHeld(paths.lock)
        let holder = running ? FileLock.holder(of: paths.lock) : nil
        var status = CheckpointStatus(checkpoint: checkpoint, runInProgress: running)
        if !running {
            // No run holds the feature: what its attempts left in flight became is looked up, as
            // the next run will (`plan` does the same).
            let executor = CommandExecutor(featureID: arguments.featureID, logFolder: ".sdp/logs/\(arguments.featureID)")
            status = status.probingOrphans(with: executor.probe)
        }
        if arguments.json {
            console.out(StatusFormat.json(status, path: paths.checkpoint, running: running, holder: holder))
        } else {
            StatusFormat.human(status, path: paths.checkpoint, running: running, holder: holder).forEach(console.out)
        }
        return .success
    }
}

extension StatusCommand {
    /// With no checkpoint: the record the last successful run left, if any (exit 0).
    fileprivate func showHistory() -> ExitCode? {
        let path = RunHistory.path(featureID: arguments.featureID)
        let (loaded, warning) = RunHistory.load(path, featureID: arguments.featureID)
        warning.map(console.warning)
        guard let history = loaded else { return nil }
        let running = FileLock.isHeld(CheckpointPaths(featureID: arguments.featureID).lock)
        let plan = historyPlan(history)
        if arguments.json {
            console.out(StatusFormat.json(history, path: path, running: running, plan: plan))
        } else {
            StatusFormat.human(history, path: path, running: running, plan: plan).forEach(console.out)
        }
        return .success
    }

    private static func layout(_ settings: RunArguments) -> FeatureLoader.Layout {
        settings.featuresFolder.map { .tagged(root: $0) } ?? .folderPerFeature(root: "features")
    }

    /// What the history makes of the feature's files now, as `plan` and a run see it; `nil`
    /// when the files do not load (`status` reads the record whatever they hold).
    private func historyPlan(_ history: RunHistory) -> HistoryPlan? {
        var settings = RunArguments()
        guard (try? ConfigFile.apply(to: &settings)) != nil, let id = try? FeatureID(validating: arguments.featureID) else {
            return nil
        }
        guard let feature = try? FeatureLoader(layout: Self.layout(settings)).load(id),
            let graph = try? WorkstreamGraph(feature.workstreams, satisfiedExternally: feature.satisfiedExternally)
        else { return nil }
        return HistoryPlan.make(
            history: history, graph: graph, exec: settings.execTemplate,
            outputExists: { FileManager.default.fileExists(atPath: $0) })
    }
}

/// How `status` prints a ``CheckpointStatus``.
enum StatusFormat {
    static func human(_ status: CheckpointStatus, path: String, running: Bool, holder: Int32?) -> [String] {
        let checkpoint = status.checkpoint
        var lines = ["\(checkpoint.featureID): checkpoint \(path), written \(checkpoint.timestamp)"]
        if running {
            lines.append(holder.map { "a run is in progress (pid \($0))" } ?? "a run is in progress")
        } else {
            lines.append("no run in progress")
        }
        let width = max(10, status.rows.map(\.id.count).max() ?? 0)
        let states = status.rows.map { row in
            row.state + (row.blockedBy.map { " (by \($0))" } ?? "") + (row.job.map { " (\($0))" } ?? "")
                + (row.orphan.map { " (\($0))" } ?? "")
        }
        let stateWidth = max(12, states.map(\.count).max() ?? 0)
        lines.append("\("WORKSTREAM".padding(to: width))  \("STATE".padding(to: stateWidth))  ATTEMPTS  TIME")
        for (row, state) in zip(status.rows, states) {
            let time = row.attempts > 0 ? DurationText.format(.milliseconds(row.durationMS)) : "-"
            lines.append(
                "\(row.id.padding(to: width))  \(state.padding(to: stateWidth))  \(String(row.attempts).padding(to: 8))  \(time)")
        }
        let counts = CheckpointStatus.states
            .map { ($0, status.count($0)) }.filter { $0.1 > 0 }.map { "\($0.1) \($0.0)" }
        lines.append(counts.joined(separator: ", "))
        if let breaker = checkpoint.circuitBreaker {
            let names = ["closed", "open", "half-open"]
            lines.append(
                "breaker: \(names[breaker.state]), \(breaker.failureCount) failures, \(breaker.consecutiveOpens) consecutive opens"
            )
        }
        let elapsed = DurationText.format(.milliseconds(checkpoint.elapsedMS ?? 0))
        let cost = String(format: "%.2f", checkpoint.costUSD ?? 0)
        lines.append("runs: \(checkpoint.runs ?? 1), time so far: \(elapsed), cost so far: $\(cost)")
        return lines
    }

    /// The last successful run's record, for people.
    static func human(_ history: RunHistory, path: String, running: Bool, plan: HistoryPlan?) -> [String] {
        var lines = [
            "\(history.featureID): no checkpoint; the last run succeeded (\(path)): \(HistoryText.lastRun(history))",
            running ? "a run is in progress" : "no run in progress",
        ]
        let rows = history.workstreams.sorted { $0.key < $1.key }
        let width = max(10, rows.map(\.key.count).max() ?? 0)
        lines.append("\("WORKSTREAM".padding(to: width))  \("STATE".padding(to: 12))  ATTEMPTS  TIME")
        for (id, entry) in rows {
            let time = DurationText.format(.milliseconds(entry.durationMS))
            lines.append(
                "\(id.padding(to: width))  \("completed".padding(to: 12))  \(String(entry.attempts).padding(to: 8))  \(time)")
        }
        lines.append("\(rows.count) completed; runs: \(history.runs), attempts: \(history.attempts)")
        if let plan, plan.isUpToDate {
            lines.append("up to date: a run would run nothing")
        } else if let plan {
            lines.append("changed since: a run would run again \(plan.reruns.count):")
            lines += plan.reruns.map { "  \($0.id): \($0.reason)" }
        }
        return lines
    }

    /// The last successful run's record, as one JSON object: the checkpoint's shape where the
    /// two share a meaning, with `last_run`.
    static func json(_ history: RunHistory, path: String, running: Bool, plan: HistoryPlan?) -> String {
        var object: [String: Any] = [
            "feature_id": history.featureID,
            "path": path,
            "running": running,
            "runs": history.runs,
            "elapsed_ms": history.elapsedMS,
            "cost_usd": history.costUSD,
            "last_run": [
                "finished_at": history.finishedAt, "elapsed_ms": history.elapsedMS, "cost_usd": history.costUSD,
                "runs": history.runs, "attempts": history.attempts,
            ] as [String: Any],
            "workstreams": history.workstreams.sorted { $0.key < $1.key }.map { id, entry -> [String: Any] in
                [
                    "id": id, "state": "completed", "attempts": entry.attempts, "duration_ms": entry.durationMS,
                    "cost_usd": entry.costUSD, "definition": entry.definition,
                ]
            },
            "counts": ["completed": history.workstreams.count],
        ]
        if let plan {
            object["up_to_date"] = plan.isUpToDate
            object["run_again"] = plan.reruns.map { ["ws_id": $0.id, "reason": $0.reason] }
        }
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    static func json(_ status: CheckpointStatus, path: String, running: Bool, holder: Int32?) -> String {
        let checkpoint = status.checkpoint
        var object: [String: Any] = [
            "feature_id": checkpoint.featureID,
            "path": path,
            "timestamp": checkpoint.timestamp,
            "running": running,
            "runs": checkpoint.runs ?? 1,
            "elapsed_ms": checkpoint.elapsedMS ?? 0,
            "cost_usd": checkpoint.costUSD ?? 0,
            "workstreams": status.rows.map { row -> [String: Any] in
                var item: [String: Any] = [
                    "id": row.id, "state": row.state, "attempts": row.attempts, "duration_ms": row.durationMS,
                ]
                if let cost = row.costUSD { item["cost_usd"] = cost }
                if let blockedBy = row.blockedBy { item["blocked_by"] = blockedBy }
                if let job = row.job { item["job"] = job }
                if let orphan = row.orphan { item["orphan"] = orphan }
                return item
            },
            "counts": Dictionary(
                uniqueKeysWithValues: CheckpointStatus.states.map { ($0, status.count($0)) }
            ),
        ]
        if let holder { object["pid"] = Int(holder) }
        if let breaker = checkpoint.circuitBreaker {
            // The events' words for the state (`breaker` events), not the checkpoint's number.
            let states = [0: "closed", 1: "open", 2: "half_open"]
            object["circuit_breaker"] = [
                "state": states[breaker.state] ?? "closed", "failure_count": breaker.failureCount,
                "consecutive_opens": breaker.consecutiveOpens,
            ]
        }
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
