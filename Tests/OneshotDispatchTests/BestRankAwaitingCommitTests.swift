import OneshotGraph
import Testing

@testable import OneshotDispatch

/// ``DispatchState/bestRankAwaitingCommit()``, kept up to date as successes are recorded, against
/// ``DispatchState/bestRankEnabled(releasing:graph:)`` computed afresh, over random runs:
/// launches, successes, failures (which skip dependents), commits that are written and commits
/// that write nothing (their successes await the next one again).
@Suite struct BestRankAwaitingCommitTests {
    /// The group commit as the loop drives it: successes awaiting a commit, and those of the one
    /// under way.
    private struct Run {
        var state: DispatchState
        var awaiting: [Int] = []
        var committing: [Int]?

        mutating func step(_ random: inout SeededRandom, graph: WorkstreamGraph, running: inout [Int]) {
            switch Int.random(in: 0..<10, using: &random) {
            case 0...2:
                if let (node, _) = state.launch(limit: 4) { running.append(node) }
            case 3...5:
                guard !running.isEmpty else { return }
                let node = running.remove(at: Int.random(in: 0..<running.count, using: &random))
                state.succeeded(node)
                state.awaitCommit(node, graph: graph)
                awaiting.append(node)
            case 6:
                guard !running.isEmpty else { return }
                let node = running.remove(at: Int.random(in: 0..<running.count, using: &random))
                _ = state.failed(node, graph: graph)
            case 7:
                guard committing == nil else { return }
                committing = awaiting
                awaiting = []
                state.commitBegan(graph: graph)
            case 8:
                guard let released = committing else { return }
                committing = nil
                _ = state.release(released, graph: graph)
            default:
                // Nothing was written: they await the next commit, first in line.
                guard let unwritten = committing else { return }
                committing = nil
                for node in unwritten { state.awaitCommit(node, graph: graph) }
                awaiting = unwritten + awaiting
            }
        }
    }

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func theKeptRankEqualsTheOneComputedAfresh(seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        let graph = try layeredGraph(layers: 6, width: 8, seed: seed)
        let ranks = Array(0..<graph.count).shuffled(using: &random)
        let held = Set((0..<graph.count).filter { _ in Int.random(in: 0..<12, using: &random) == 0 })
        let done = Set((0..<graph.count).filter { _ in Int.random(in: 0..<10, using: &random) == 0 })
        var run = Run(state: DispatchState(graph: graph, done: done, held: held.subtracting(done), rank: ranks))
        var running: [Int] = []
        var seen = 0
        for step in 0..<600 {
            run.step(&random, graph: graph, running: &running)
            let expected = run.state.bestRankEnabled(releasing: run.awaiting, graph: graph)
            #expect(run.state.bestRankAwaitingCommit() == expected, "seed \(seed), step \(step)")
            if expected != nil { seen += 1 }
        }
        #expect(seen > 0, "the run enabled something through a commit")
    }

    @Test func aDependentWhoseOtherDependencyIsCommittedIsEnabledByTheNext() throws {
        // d needs a and b: b awaits a commit while a's commit is written.
        let feature = try graph([ws("a"), ws("b"), ws("d", ["a", "b"])])
        var state = DispatchState(graph: feature, done: [], rank: [0, 1, 2])
        _ = state.launch(limit: 2)
        _ = state.launch(limit: 2)
        state.succeeded(0)
        state.awaitCommit(0, graph: feature)
        state.commitBegan(graph: feature)
        state.succeeded(1)
        state.awaitCommit(1, graph: feature)
        #expect(state.bestRankAwaitingCommit() == nil, "d still needs a, whose commit is under way")
        _ = state.release([0], graph: feature)
        #expect(state.bestRankAwaitingCommit() == 2, "d now needs only b, which awaits the next commit")
        state.commitBegan(graph: feature)
        #expect(state.bestRankAwaitingCommit() == nil)
    }

    @Test func successesACommitUnderWayWroteAreReleasedWithItAndNoLongerAwaitTheNext() throws {
        // d needs a and b, e needs c: a's commit is under way when b and c are recorded, and its
        // fsync covered b's line but not c's.
        let feature = try graph([ws("a"), ws("b"), ws("c"), ws("d", ["a", "b"]), ws("e", ["c"])])
        var state = DispatchState(graph: feature, done: [], rank: [0, 1, 2, 3, 4])
        for _ in 0..<3 { _ = state.launch(limit: 3) }
        state.succeeded(0)
        state.awaitCommit(0, graph: feature)
        state.commitBegan(graph: feature)
        state.succeeded(1)
        state.awaitCommit(1, graph: feature)
        state.succeeded(2)
        state.awaitCommit(2, graph: feature)
        state.committedEarly([1], graph: feature)
        #expect(state.release([0, 1], graph: feature) == [3], "d's dependencies are both durable")
        #expect(state.bestRankAwaitingCommit() == 4, "e still awaits c's commit")
        state.commitBegan(graph: feature)
        #expect(state.release([2], graph: feature) == [4])
        #expect(state.bestRankAwaitingCommit() == nil)
    }
}
