import Oneshot

/// The workstreams a run may start, resolved against the feature's graph: ninja's targets.
///
/// - `oneshot F052 A B`: `A`, `B` and everything they depend on (their closure).
/// - `--rerun X`: `X` and everything downstream of it run again even though they are done;
///   whether they run now depends on the targets, but they are no longer recorded done.
/// - `--only X`: exactly `X`; dependencies outside the selection must be recorded done (the
///   caller checks, see ``missingDependency(done:)``) or assumed done.
struct TargetSelection {
    /// The feature.
    let graph: WorkstreamGraph
    /// The ids the run may start; `nil` for the whole feature.
    let scope: Set<String>?
    /// The ids no longer done: `--rerun` and everything downstream, except work declared done
    /// in its file.
    let rerun: Set<String>
    /// The arguments it was made from.
    let arguments: TargetArguments

    /// Resolves `arguments` against `graph`.
    ///
    /// - Throws: ``UsageError`` naming an unknown id (with the closest known one), targets given
    ///   with `--only`, or a `--rerun` of work declared done in its file.
    init(graph: WorkstreamGraph, featureID: String, arguments: TargetArguments) throws(UsageError) {
        self.graph = graph
        self.arguments = arguments
        if !arguments.targets.isEmpty && !arguments.only.isEmpty {
            throw UsageError("give targets or --only, not both")
        }
        if arguments.assumeDepsDone && arguments.only.isEmpty {
            throw UsageError("--assume-deps-done goes with --only")
        }
        for (flag, ids) in [("target", arguments.targets), ("--rerun", arguments.rerun), ("--only", arguments.only)] {
            for id in ids where graph.node(id) == nil {
                throw UsageError("\(flag) \(id): \(featureID) has no workstream '\(id)'\(Self.suggestion(for: id, in: graph))")
            }
        }
        for id in arguments.rerun {
            if let node = graph.node(id), graph.workstreams[node].isDeclaredDone {
                let place = graph.workstreams[node].source.map { " (\($0))" } ?? ""
                throw UsageError("--rerun \(id): it is declared done in its file\(place); change its status to run it")
            }
        }
        let downstream = Self.reach(from: arguments.rerun.compactMap(graph.node), along: graph.dependents)
        rerun = Set(downstream.map { graph.workstreams[$0] }.filter { !$0.isDeclaredDone }.map(\.id))
        if !arguments.only.isEmpty {
            scope = Set(arguments.only)
        } else if !arguments.targets.isEmpty {
            let closure = Self.reach(from: arguments.targets.compactMap(graph.node), along: graph.dependencies)
            scope = Set(closure.map { graph.workstreams[$0].id })
        } else {
            scope = nil
        }
    }

    /// Whether `id` may run in this run.
    func contains(_ id: String) -> Bool { scope?.contains(id) ?? true }

    /// What a run with this selection would not start, given what is `done`: the done work
    /// that is not to run again, and everything outside the scope.
    func notToRun(_ done: Set<String>) -> Set<String> {
        let outside = scope.map { scope in graph.workstreams.map(\.id).filter { !scope.contains($0) } } ?? []
        return done.subtracting(rerun).union(outside)
    }

    /// The ids in the scope, in the feature's order.
    var scopeIDs: [String] { graph.workstreams.map(\.id).filter(contains) }

    /// With `--only`: the first selected workstream with a dependency outside the selection that
    /// is not in `done`, and that dependency.
    func missingDependency(done: Set<String>) -> (id: String, dependency: String)? {
        guard let scope, !arguments.only.isEmpty else { return nil }
        for workstream in graph.workstreams where scope.contains(workstream.id) {
            for dependency in workstream.dependencies
            where !scope.contains(dependency) && !done.contains(dependency) && !isDeclaredDone(dependency)
                && graph.node(dependency) != nil
            {
                return (workstream.id, dependency)
            }
        }
        return nil
    }

    /// The graph the dispatcher runs: the scope, its dependencies outside it satisfied.
    func runGraph() throws(InputErrors) -> WorkstreamGraph {
        guard let scope else { return graph }
        let members = graph.workstreams.filter { scope.contains($0.id) }
        let outside = Set(members.flatMap(\.dependencies)).subtracting(scope)
        return try WorkstreamGraph(members, satisfiedExternally: outside)
    }

    /// Whether every workstream of the feature is done, given the `completed` ids: a run of some
    /// targets that succeeded leaves the feature unfinished when others never ran.
    func featureDone(completed: Set<String>) -> Bool {
        graph.workstreams.allSatisfy { $0.isDeclaredDone || completed.contains($0.id) }
    }

    /// The history's plan with the `--rerun` work no longer up to date, each with its reason.
    func applying(to plan: HistoryPlan) -> HistoryPlan {
        guard !rerun.isEmpty else { return plan }
        var plan = plan
        let forced = plan.upToDate.filter(rerun.contains)
        plan.upToDate.removeAll(where: rerun.contains)
        let asked = Set(arguments.rerun)
        plan.reruns += forced.map { id in
            HistoryPlan.Rerun(id: id, reason: asked.contains(id) ? "--rerun" : "downstream of --rerun \(culprit(of: id))")
        }
        plan.reruns.sort { $0.id < $1.id }
        return plan
    }

    /// One line for people: what the selection runs, or `nil` for the whole feature.
    var summary: String? {
        guard let scope else { return nil }
        let what =
            arguments.only.isEmpty
            ? "targets \(arguments.targets.joined(separator: " ")) and what they depend on"
            : "--only \(arguments.only.joined(separator: " "))"
        return "\(what): \(scope.count) of \(graph.count) workstreams (\(scopeIDs.joined(separator: ", ")))"
    }

    private func isDeclaredDone(_ id: String) -> Bool {
        graph.node(id).map { graph.workstreams[$0].isDeclaredDone } ?? false
    }

    /// The `--rerun` id upstream of `id`.
    private func culprit(of id: String) -> String {
        guard let node = graph.node(id) else { return "" }
        let upstream = Self.reach(from: [node], along: graph.dependencies)
        return arguments.rerun.first { graph.node($0).map(upstream.contains) ?? false } ?? ""
    }

    /// `start` and every node reached from it along `edges`.
    private static func reach(from start: [Int], along edges: [[Int]]) -> Set<Int> {
        var seen = Set(start)
        var stack = start
        while let node = stack.popLast() {
            for next in edges[node] where seen.insert(next).inserted { stack.append(next) }
        }
        return seen
    }

    /// ` (did you mean 00-052-06?)` when a known id is close to `id`: it ends with it, or is a
    /// few edits away.
    static func suggestion(for id: String, in graph: WorkstreamGraph) -> String {
        let ids = graph.workstreams.map(\.id)
        let bySuffix = ids.filter { $0.hasSuffix(id) }
        if bySuffix.count == 1 { return " (did you mean \(bySuffix[0])?)" }
        return ClosestName.closest(to: id, among: ids).map { " (did you mean \($0)?)" } ?? ""
    }
}

extension TargetSelection {
    /// The history's plan as far as this selection goes: only the reruns it would run.
    func restricting(_ plan: HistoryPlan) -> HistoryPlan {
        guard scope != nil else { return plan }
        var plan = plan
        plan.reruns.removeAll { !contains($0.id) }
        return plan
    }

    /// `F052: 00-052-09 and what it depends on are up to date (5 of 14 workstreams; last run …)`.
    func upToDateLine(_ plan: HistoryPlan) -> String {
        let what =
            arguments.only.isEmpty
            ? "\(arguments.targets.joined(separator: " ")) and what they depend on"
            : "--only \(arguments.only.joined(separator: " "))"
        return
            "\(plan.history.featureID): \(what): up to date (\(scope?.count ?? graph.count) of \(graph.count) workstreams; \(HistoryText.lastRun(plan.history)))"
    }

    /// Whether the whole feature is done as `store` records it; `true` without a scope (the run
    /// ran everything it had to).
    func featureDone(_ store: CheckpointStore) -> Bool {
        guard scope != nil else { return true }
        return featureDone(completed: Set(store.current.completed))
    }

    /// Said when the selected work is done and the feature is not: the checkpoint stays.
    func unfinishedLine(_ featureID: String, checkpoint: String) -> String {
        "the selected workstreams are done; \(featureID) is not: the others did not run. The checkpoint keeps this run's work (\(checkpoint)): 'oneshot \(featureID)' runs the rest"
    }

    /// The `--only` refusal for the first dependency not in `done`, or `nil`.
    func refusal(done: Set<String>) -> String? {
        guard let (id, dependency) = missingDependency(done: done) else { return nil }
        return Self.refusal(id, dependency: dependency)
    }

    /// `--only ID: its dependency DEP is not recorded done …`.
    static func refusal(_ id: String, dependency: String) -> String {
        "--only \(id): its dependency \(dependency) is not recorded done (in the checkpoint or the history); run it first, or give --assume-deps-done if it was done elsewhere"
    }

    /// The selection as the library's run takes it: the scope, the reruns with the reason
    /// `plan` and the run show, and whether `--only` needs its dependencies done.
    var runSelection: FeatureRun.Selection {
        let asked = Set(arguments.rerun)
        let reasons = Dictionary(
            uniqueKeysWithValues: rerun.map { id in
                (id, asked.contains(id) ? "--rerun" : "downstream of --rerun \(culprit(of: id))")
            })
        return FeatureRun.Selection(
            scope: scope, rerun: reasons, requiresDoneDependencies: !arguments.only.isEmpty && !arguments.assumeDepsDone)
    }
}
