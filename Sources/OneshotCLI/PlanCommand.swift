import Foundation
import Oneshot

/// `oneshot plan F052` (and `oneshot F052 --dry-run`): what a run would do, executing nothing and
/// writing nothing — the waves, the critical path and, with a checkpoint, what a resume would
/// skip, retry and treat as uncertain. `--json` for machines, `--dot` for Graphviz.
struct PlanCommand {
    enum Format: Sendable, Equatable {
        case text, json, dot
    }

    let featureID: String
    let featuresFolder: String?
    let projectRoot: String?
    let format: Format
    let console: Console
    /// `--exec`, as the run would be given it.
    var execTemplate: String?
    /// The targets, `--rerun` and `--only`: a plan shows the selection a run would make.
    var selection = TargetArguments()

    func execute() -> ExitCode {
        if let code = ProjectRoot.enter(projectRoot, reportingTo: console) { return code }
        var settings = RunArguments()
        settings.featuresFolder = featuresFolder
        if featuresFolder != nil { settings.sources["features"] = "--features" }
        settings.execTemplate = execTemplate
        if execTemplate != nil { settings.sources["exec"] = "--exec" }
        // The settings are merged and checked as the run merges and checks them.
        do {
            // As a resume would: the interrupted run's --features and --exec before the file's.
            _ = try settings.merge(
                recorded: RunSettings.recorded(featureID: featureID), checkpoint: CheckpointPaths(featureID: featureID).checkpoint
            )
        } catch {
            console.error(error)
            return ExitCode(error)
        }
        let featuresFolder = settings.featuresFolder
        let graph: WorkstreamGraph
        let executor: CommandExecutor
        do {
            let id = try FeatureID(validating: featureID)
            let layout: FeatureLoader.Layout = featuresFolder.map { .tagged(root: $0) } ?? .folderPerFeature(root: "features")
            let feature = try FeatureLoader(layout: layout).load(id)
            graph = try WorkstreamGraph(feature.workstreams, satisfiedExternally: feature.satisfiedExternally)
            let template = try settings.execTemplate.map { (text) throws(InputError) in try CommandTemplate(text) }
            executor = CommandExecutor(featureID: featureID, template: template, logFolder: ".sdp/logs/\(featureID)")
        } catch {
            console.error(error)
            return ExitCode(error)
        }
        let targets: TargetSelection
        do {
            targets = try TargetSelection(graph: graph, featureID: featureID, arguments: selection)
        } catch {
            console.error(error)
            return ExitCode(error)
        }
        let paths = CheckpointPaths(featureID: featureID)
        let (checkpoint, problem) = readCheckpoint(paths)
        if let problem { console.warning("\(problem); a run would move it aside and keep what can be read of it") }
        let resume = checkpoint.map {
            ResumePlan.make(
                graph: graph, checkpoint: $0, rerunUncertain: false,
                outputExists: { FileManager.default.fileExists(atPath: $0) }, probe: executor.probe
            ).rerunning(targets.rerun, graph: graph)
        }
        let history = checkpoint == nil ? historyPlan(graph: graph, exec: settings.execTemplate).map(targets.applying) : nil
        let problems = CommandCheck.problems(executor, graph: graph) {
            targets.notToRun(resume?.completed ?? Set(history?.upToDate ?? []))
        }
        guard problems.isEmpty else {
            problems.forEach { console.error($0) }
            return .invalidInput
        }
        if !selection.assumeDepsDone,
            let refusal = targets.refusal(done: (resume?.completed ?? Set(history?.upToDate ?? [])).subtracting(targets.rerun))
        {
            console.error(refusal)
            return .invalidInput
        }
        var plan = FeaturePlan(graph: graph, resume: resume, history: history)
        plan.selection = targets.scope == nil && targets.rerun.isEmpty ? nil : targets
        switch format {
        case .text: (plan.text(featureID: featureID) + plan.selectionLines()).forEach(console.out)
        case .json: console.out(plan.json(featureID: featureID))
        case .dot: console.out(plan.dot(featureID: featureID))
        }
        return .success
    }

    /// With no checkpoint, what the last successful run's history makes of the files now.
    private func historyPlan(graph: WorkstreamGraph, exec: String?) -> HistoryPlan? {
        let (history, warning) = RunHistory.load(RunHistory.path(featureID: featureID), featureID: featureID)
        warning.map(console.warning)
        return history.map {
            HistoryPlan.make(
                history: $0, graph: graph, exec: exec, outputExists: { FileManager.default.fileExists(atPath: $0) })
        }
    }

    private func readCheckpoint(_ paths: CheckpointPaths) -> (Checkpoint?, String?) {
        do {
            return (try CheckpointReader.load(paths)?.checkpoint, nil)
        } catch {
            return (nil, "checkpoint \(error.description)")
        }
    }
}

/// The facts `plan` shows, computed once for the three formats.
struct FeaturePlan {
    let graph: WorkstreamGraph
    let resume: ResumePlan?
    /// With no checkpoint: what the history of the last successful run keeps, and what runs again.
    let history: HistoryPlan?
    let waves: [[String]]
    let criticalPath: [String]
    /// Seconds along the critical path from earlier runs' durations, when any is known.
    let estimatedSeconds: Double?
    /// The targets, `--rerun` and `--only`, when given.
    var selection: TargetSelection?

    init(graph: WorkstreamGraph, resume: ResumePlan?, history: HistoryPlan? = nil) {
        self.graph = graph
        self.resume = resume
        self.history = history
        waves = graph.waves().map { $0.map { graph.workstreams[$0].id } }
        let known = resume?.knownDurations ?? history?.history.knownDurations ?? [:]
        let weights = graph.weights(knownDurations: known)
        let path = graph.criticalPath(weights: weights)
        criticalPath = path.map { graph.workstreams[$0].id }
        estimatedSeconds = known.isEmpty ? nil : path.reduce(0) { $0 + weights[$1] }
    }

    /// Each workstream's state for a resume: `completed`, `adopted`, `uncertain`, `held`, `retry`
    /// or `pending`; `not_selected` for work outside the targets that is not done.
    func state(of id: String) -> String {
        let state = recordedState(of: id)
        return state != "completed" && selection?.contains(id) == false ? "not_selected" : state
    }

    private func recordedState(of id: String) -> String {
        guard let resume else {
            let done = graph.node(id).map { graph.workstreams[$0].isDeclaredDone } == true
            return done || history?.upToDate.contains(id) == true ? "completed" : "pending"
        }
        if resume.completed.contains(id) || graph.node(id).map({ graph.workstreams[$0].isDeclaredDone }) == true {
            return "completed"
        }
        if resume.adopted.contains(where: { $0.id == id }) { return "adopted" }
        if let uncertain = resume.uncertain.first(where: { $0.record.id == id }) {
            return uncertain.willRerun ? "uncertain" : "held"
        }
        if resume.toRetry.contains(id) { return "retry" }
        return "pending"
    }

    func text(featureID: String) -> [String] {
        var lines = [
            "\(featureID): \(plural(graph.count, "workstream")) in \(plural(waves.count, "wave")) (a wave can run together)"
        ]
        for (index, wave) in waves.enumerated() {
            lines.append("  wave \(index + 1): \(wave.joined(separator: ", "))")
        }
        let length = estimatedSeconds.map { ", ~\(DurationText.format(.milliseconds(Int64($0 * 1000)))) from earlier runs" } ?? ""
        lines.append(
            "critical path (\(plural(criticalPath.count, "workstream"))\(length)): \(criticalPath.joined(separator: " → "))")
        guard let resume else {
            lines += historyLines(featureID: featureID)
            return lines
        }
        lines.append("a resume would:")
        if !resume.preserved.isEmpty {
            lines.append("  skip (preserved) \(resume.preserved.count): \(resume.preserved.map(\.id).joined(separator: ", "))")
        }
        for finished in resume.finishedMeanwhile {
            let outcome = finished.exitCode == 0 ? "keep as completed" : "run again"
            lines.append("  finished meanwhile: \(finished.record.id), exit \(finished.exitCode): \(outcome)")
        }
        for record in resume.adopted {
            lines.append("  adopt: \(record.id), still running (\(record.runner)): wait for it")
        }
        for uncertain in resume.uncertain {
            var action = uncertain.willRerun ? "run again" : "hold (idempotent: false; --rerun-uncertain)"
            if let verify = uncertain.verify {
                action = "verify with `\(verify)` first: kept as completed if it exits 0, else \(action)"
            }
            lines.append("  uncertain: \(uncertain.record.id), started \(uncertain.record.startedAt): \(action)")
        }
        // An empty category gets no line (no bare `pending 0:`).
        if !resume.toRetry.isEmpty {
            lines.append("  retry \(resume.toRetry.count): \(resume.toRetry.joined(separator: ", "))")
        }
        if !resume.pending.isEmpty {
            lines.append("  pending \(resume.pending.count): \(resume.pending.joined(separator: ", "))")
        }
        resume.changes.forEach { lines.append("  changed: \($0)") }
        return lines
    }

    /// Without a checkpoint: what the history makes of the files, or a start from the beginning.
    private func historyLines(featureID: String) -> [String] {
        guard let history else { return ["no checkpoint: a run starts from the beginning"] }
        if history.isUpToDate {
            return [HistoryText.upToDate(featureID, history: history.history, total: graph.count) + ": a run would run nothing"]
        }
        return [
            "no checkpoint; the last successful run's history (\(HistoryText.lastRun(history.history))) says a run would:",
            "  skip (up to date) \(history.upToDate.count): \(history.upToDate.joined(separator: ", "))",
            "  run again \(history.reruns.count):",
        ] + history.reruns.map { "    \($0.id): \($0.reason)" }
    }

    func json(featureID: String) -> String {
        var object: [String: Any] = [
            "feature_id": featureID,
            "workstreams": graph.workstreams.map { workstream -> [String: Any] in
                var item: [String: Any] = [
                    "id": workstream.id, "depends_on": workstream.dependencies, "state": state(of: workstream.id),
                ]
                if let title = workstream.title { item["title"] = title }
                if let file = workstream.source?.file { item["file"] = file }
                if let verify = workstream.verify { item["verify"] = verify }
                return item
            },
            "waves": waves,
            "critical_path": ["ids": criticalPath, "estimated_ms": estimatedSeconds.map { Int($0 * 1000) as Any } ?? NSNull()],
        ]
        if let resume {
            object["resume"] = [
                "skip": resume.preserved.map(\.id),
                "uncertain": resume.uncertain.map { ["ws_id": $0.record.id, "rerun": $0.willRerun] },
                "adopt": resume.adopted.map(\.id),
                "finished_meanwhile": resume.finishedMeanwhile.map { ["ws_id": $0.record.id, "exit_code": $0.exitCode] },
                "retry": resume.toRetry,
                "pending": resume.pending,
                "changes": resume.changes,
            ]
        } else {
            object["resume"] = NSNull()
        }
        if let history {
            object["history"] =
                [
                    "finished_at": history.history.finishedAt,
                    "up_to_date": history.upToDate,
                    "run_again": history.reruns.map { ["ws_id": $0.id, "reason": $0.reason] },
                ] as [String: Any]
        } else {
            object["history"] = NSNull()
        }
        object["selection"] = selectionJSON
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    func dot(featureID: String) -> String {
        let colours = [
            "completed": "palegreen", "adopted": "khaki", "uncertain": "orange", "held": "orange", "retry": "salmon",
            "pending": "white", "not_selected": "lightgrey",
        ]
        var lines = ["digraph \"\(featureID)\" {", "  rankdir=LR;", "  node [shape=box, style=filled, fontname=\"Helvetica\"];"]
        let critical = Set(criticalPath)
        for workstream in graph.workstreams {
            let state = state(of: workstream.id)
            let label = workstream.title.map { "\(workstream.id)\\n\(escape($0))" } ?? workstream.id
            let border = critical.contains(workstream.id) ? ", penwidth=2" : ""
            lines.append(
                "  \"\(workstream.id)\" [label=\"\(label)\", fillcolor=\(colours[state] ?? "white")\(border), tooltip=\"\(state)\"];"
            )
        }
        for (node, dependents) in graph.dependents.enumerated() {
            for dependent in dependents {
                lines.append("  \"\(graph.workstreams[node].id)\" -> \"\(graph.workstreams[dependent].id)\";")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n")
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
