import OneshotGraph
import Testing

@testable import OneshotDispatch

/// ``LaunchPreparations`` on its own: a prepared workstream holds a slot, so the running and the
/// prepared never exceed the limit.
@Suite struct LaunchPreparationsTests {
    /// a, then b and c after it; x on its own. Ranks: a, x, b, c.
    private let feature: WorkstreamGraph
    private var state: DispatchState

    init() throws {
        feature = try graph([ws("a"), ws("b", ["a"]), ws("c", ["a"]), ws("x")])
        state = DispatchState(graph: feature, done: [], rank: [0, 2, 3, 1])
    }

    private func node(_ id: String) -> Int { feature.node(id)! }

    @Test mutating func theRunningAndThePreparedNeverExceedTheLimit() throws {
        var preparations = LaunchPreparations()
        let launched = state.launch(limit: 2)
        let a = try #require(launched)
        #expect(a.node == node("a"))
        let prepared = preparations.toPrepare(after: [a.node], state: state, graph: feature, limit: 2)
        #expect(prepared == [node("b")], "one free slot: one of a's dependents")
        // x needs the slot b's preparation holds: b is discarded first.
        #expect(preparations.evict(toLaunch: node("x"), running: state.running, limit: 2) == node("b"))
        #expect(preparations.prepared.isEmpty)
    }

    @Test mutating func aPreparedWorkstreamLaunchesInItsOwnSlot() throws {
        var preparations = LaunchPreparations()
        let launched = state.launch(limit: 2)
        let a = try #require(launched)
        _ = preparations.toPrepare(after: [a.node], state: state, graph: feature, limit: 2)
        #expect(preparations.evict(toLaunch: node("b"), running: state.running, limit: 2) == nil)
        preparations.launching(node("b"))
        #expect(preparations.prepared.isEmpty)
    }

    @Test mutating func aStoppingRunDiscardsEveryPreparation() throws {
        var preparations = LaunchPreparations()
        let launched = state.launch(limit: 4)
        let a = try #require(launched)
        #expect(preparations.toPrepare(after: [a.node], state: state, graph: feature, limit: 4).count == 2)
        #expect(preparations.discardable(in: state).isEmpty)
        state.stopLaunching = true
        #expect(Set(preparations.discardable(in: state)) == [node("b"), node("c")])
        #expect(preparations.toPrepare(after: [a.node], state: state, graph: feature, limit: 4).isEmpty)
    }
}
