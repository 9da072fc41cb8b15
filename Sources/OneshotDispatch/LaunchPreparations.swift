import OneshotGraph

/// Which workstreams are prepared ahead of their launch (see ``LaunchPreparer``): a pure value
/// the dispatcher's loop asks, after each turn's launches, what to prepare and what to discard.
///
/// A prepared workstream holds a slot (the CLI's parks a shell for it): the running attempts and
/// the prepared workstreams never exceed `limit` (`-j`). A chain prepares one step, a run that
/// fills its slots prepares none.
struct LaunchPreparations {
    /// The prepared nodes, neither launched nor discarded yet: at most `limit` of them, so an
    /// array.
    private(set) var prepared: [Int] = []

    /// `node` is being launched: what was prepared for it is the executor's now.
    mutating func launching(_ node: Int) {
        if let index = prepared.firstIndex(of: node) { prepared.remove(at: index) }
    }

    /// The prepared nodes that will not launch in this run, no longer prepared: every one once
    /// the run stops launching, else those a failure skipped.
    mutating func discardable(in state: DispatchState) -> [Int] {
        let dropped = prepared.filter { state.stopLaunching || !Self.mayLaunch(state.phase[$0]) }
        if !dropped.isEmpty { prepared.removeAll { dropped.contains($0) } }
        return dropped
    }

    /// The prepared node to discard before `node` launches, if running and prepared ones fill
    /// every slot and `node` is not one of them: the latest prepared.
    mutating func evict(toLaunch node: Int, running: Int, limit: Int) -> Int? {
        guard running + prepared.count >= limit, !prepared.contains(node) else { return nil }
        return prepared.popLast()
    }

    /// Every prepared node, no longer prepared: the run has ended.
    mutating func discardAll() -> [Int] {
        defer { prepared = [] }
        return prepared
    }

    /// The nodes to prepare now that `launched` run: waiting dependents of theirs whose every
    /// unfinished dependency runs (or has succeeded and awaits its commit), most urgent first as
    /// `launched` is, within `limit` minus the running attempts and those already prepared.
    mutating func toPrepare(after launched: [Int], state: DispatchState, graph: WorkstreamGraph, limit: Int) -> [Int] {
        guard !state.stopLaunching else { return [] }
        var room = limit - state.running - prepared.count
        var chosen: [Int] = []
        for node in launched where room > 0 {
            for dependent in graph.dependents[node] where room > 0 && isCandidate(dependent, state: state, graph: graph) {
                prepared.append(dependent)
                chosen.append(dependent)
                room -= 1
            }
        }
        return chosen
    }

    private func isCandidate(_ node: Int, state: DispatchState, graph: WorkstreamGraph) -> Bool {
        guard state.phase[node] == .waiting, !state.isHeld(node), !prepared.contains(node) else { return false }
        return graph.dependencies[node].allSatisfy { dependency in
            switch state.phase[dependency] {
            case .running, .succeeded, .alreadyDone: true
            default: false
            }
        }
    }

    /// Whether a node in `phase` may still launch in this run.
    private static func mayLaunch(_ phase: DispatchState.Phase) -> Bool {
        phase == .waiting || phase == .ready
    }
}
