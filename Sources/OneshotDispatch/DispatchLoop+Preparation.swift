import Foundation
import OneshotGraph

/// Workstreams prepared ahead of their launch (``DispatchOptions/preparer``): which ones, and
/// their discards.
extension DispatchLoop {
    /// Hands the ``DispatchOptions/preparer`` the workstreams that `launched` make worth
    /// preparing, and those prepared that will not launch, each in a task added after the turn's
    /// launches and commit: on the run's own thread they run once the children are spawned,
    /// while they run, never before.
    mutating func prepare(after launched: [Int], _ group: inout TaskGroup<ChildResult>) {
        guard options.preparer != nil else { return }
        for node in preparations.discardable(in: state) { discard(node, &group) }
        guard !launched.isEmpty, let preparer = options.preparer else { return }
        let nodes = preparations.toPrepare(after: launched, state: state, graph: graph, limit: options.maxConcurrency)
        for node in nodes {
            let workstream = graph.workstreams[node]
            // Its next attempt: a waiting workstream has none of this run yet.
            let attempt = state.attempts[node] + 1
            let latch = Latch()
            preparing[node] = latch
            group.addTask {
                await preparer.prepare(workstream, attempt: attempt)
                latch.open()
                return .prepared
            }
        }
    }

    /// Hands the preparer the discard of `node`, once its preparation has returned.
    private mutating func discard(_ node: Int, _ group: inout TaskGroup<ChildResult>) {
        guard let preparer = options.preparer else { return }
        let workstream = graph.workstreams[node]
        let latch = preparing.removeValue(forKey: node)
        group.addTask {
            await latch?.wait()
            await preparer.discard(workstream)
            return .prepared
        }
    }

    /// A prepared workstream holds a slot: launching `node`, which is not prepared, when running
    /// and prepared ones fill every slot discards the latest preparation first (its parked shell
    /// ends without running anything).
    mutating func makeRoom(for node: Int, _ group: inout TaskGroup<ChildResult>) {
        guard options.preparer != nil,
            let evicted = preparations.evict(toLaunch: node, running: state.running, limit: options.maxConcurrency)
        else { return }
        discard(evicted, &group)
    }
}
