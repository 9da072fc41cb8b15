import OneshotGraph
import OneshotWorkstreams
import Testing

@testable import OneshotDispatch

/// ``DispatchState``'s transitions on their own, without a loop.
@Suite struct DispatchStateTests {
    /// a, b, c independent; d needs a and b; e needs c; f needs d. Ranks as given (lower first).
    private let feature: WorkstreamGraph
    private let ranks = [2, 1, 0, 3, 4, 5]

    init() throws {
        feature = try graph([ws("a"), ws("b"), ws("c"), ws("d", ["a", "b"]), ws("e", ["c"]), ws("f", ["d"])])
    }

    private func node(_ id: String) -> Int { feature.node(id)! }

    private func state(done: Set<Int> = [], held: Set<Int> = []) -> DispatchState {
        DispatchState(graph: feature, done: done, held: held, rank: ranks)
    }

    @Test func readyNodesLaunchInRankOrderUpToTheLimit() {
        var state = state()
        #expect(state.nextReady == node("c"))
        #expect(state.launch(limit: 2)! == (node("c"), 1))
        #expect(state.launch(limit: 2)! == (node("b"), 1))
        #expect(state.launch(limit: 2) == nil)
        #expect(!state.canLaunch(limit: 2))
        #expect(state.running == 2)
        #expect(state.phase[node("c")] == .running)
    }

    @Test func aSuccessReleasesItsDependentsOnlyWhenTold() {
        var state = state()
        let c = node("c")
        _ = state.launch(limit: 1)
        state.succeeded(c)
        #expect(state.phase[c] == .succeeded)
        #expect(state.phase[node("e")] == .waiting)
        #expect(state.release([c], graph: feature) == [node("e")])
        #expect(state.phase[node("e")] == .ready)
    }

    @Test func aDependentIsReadyOnlyOnceEveryDependencyIsReleased() {
        var state = state()
        for _ in 0..<3 { _ = state.launch(limit: 3) }
        state.succeeded(node("a"))
        state.succeeded(node("b"))
        #expect(state.release([node("a")], graph: feature).isEmpty)
        #expect(state.release([node("b")], graph: feature) == [node("d")])
    }

    @Test func bestRankEnabledNamesTheBestRankTheCompletionsWouldMakeReady() {
        var state = state()
        for _ in 0..<3 { _ = state.launch(limit: 3) }
        let (a, b, c) = (node("a"), node("b"), node("c"))
        // c alone enables e; a alone enables nothing (d also needs b); a and b together enable d.
        #expect(state.bestRankEnabled(releasing: [c], graph: feature) == ranks[node("e")])
        #expect(state.bestRankEnabled(releasing: [a], graph: feature) == nil)
        #expect(state.bestRankEnabled(releasing: [a, b], graph: feature) == ranks[node("d")])
        #expect(state.bestRankEnabled(releasing: [a, b, c], graph: feature) == ranks[node("d")], "d outranks e")
        // Asking changes nothing.
        #expect(state.phase[node("d")] == .waiting)
        state.succeeded(a)
        _ = state.release([a], graph: feature)
        #expect(state.bestRankEnabled(releasing: [b], graph: feature) == ranks[node("d")], "b is d's last dependency now")
    }

    @Test func bestRankEnabledLeavesOutHeldAndSkippedDependents() throws {
        var held = DispatchState(graph: feature, done: [], held: [node("e")], rank: ranks)
        #expect(held.launch(limit: 1)! == (node("c"), 1))
        #expect(held.bestRankEnabled(releasing: [node("c")], graph: feature) == nil)

        let chain = try graph([ws("x"), ws("y", ["x"]), ws("z", ["y"])])
        var state = DispatchState(graph: chain, done: [], rank: [0, 1, 2])
        _ = state.launch(limit: 1)
        _ = state.failed(0, graph: chain)
        #expect(state.bestRankEnabled(releasing: [1], graph: chain) == nil, "z is skipped, not waiting")
    }

    @Test func outranksReadyComparesWithTheBestReadyNode() {
        var state = state()
        #expect(state.outranksReady(0) == false, "c, rank 0, is ready")
        _ = state.launch(limit: 1)
        #expect(state.outranksReady(0))
        #expect(!state.outranksReady(1), "b, rank 1, is ready")
        _ = state.launch(limit: 3)
        _ = state.launch(limit: 3)
        #expect(state.outranksReady(99), "nothing is ready: any rank is the best")
    }

    @Test func aFailureSkipsEveryTransitiveDependentButNotOthers() {
        var state = state()
        for _ in 0..<3 { _ = state.launch(limit: 3) }
        let a = node("a")
        #expect(state.failed(a, graph: feature).sorted() == [node("d"), node("f")].sorted())
        #expect(state.phase[node("f")] == .skipped(blockedBy: a))
        #expect(state.phase[node("e")] == .waiting)
        #expect(state.running == 2)
    }

    @Test func aBackedOffNodeIsReadyAgainOrInterruptedWhenItsRetryIsDue() {
        var state = state()
        let c = node("c")
        _ = state.launch(limit: 1)
        state.backOff(c)
        #expect(state.phase[c] == .backingOff)
        #expect(state.backingOff == 1 && state.running == 0)
        #expect(!state.isIdle)
        state.retryDue(c, cancelled: false)
        #expect(state.phase[c] == .ready)
        #expect(state.launch(limit: 1)! == (c, 2))
        #expect(state.attemptsThisRun(c) == 2)
        state.backOff(c)
        state.retryDue(c, cancelled: true)
        #expect(state.phase[c] == .interrupted)
        #expect(state.backingOff == 0)
    }

    @Test func anUnlaunchedOrDeferredAttemptIsNotCounted() {
        var state = state()
        let c = node("c")
        _ = state.launch(limit: 1)
        state.unlaunch(c)
        #expect(state.phase[c] == .ready && state.attempts[c] == 0 && state.running == 0)
        #expect(state.launch(limit: 1)! == (c, 1))
        state.deferAttempt(c)
        #expect(state.phase[c] == .backingOff && state.attempts[c] == 0)
        state.retryDue(c, cancelled: false)
        #expect(state.launch(limit: 1)! == (c, 1))
    }

    @Test func adoptedAndEarlierAttemptsNumberThisRunsAttempts() {
        var state = DispatchState(graph: feature, done: [], adopted: [node("a"): 4], prior: [node("c"): 2], rank: ranks)
        #expect(state.phase[node("a")] == .running)
        #expect(state.running == 1)
        #expect(state.attemptsThisRun(node("a")) == 1, "the adopted attempt is this run's first")
        #expect(state.launch(limit: 3)! == (node("c"), 3))
        #expect(state.attemptsThisRun(node("c")) == 1)
    }

    @Test func doneAndHeldNodesNeverLaunch() {
        var state = state(done: [node("c")], held: [node("b")])
        #expect(state.phase[node("c")] == .alreadyDone)
        #expect(state.phase[node("e")] == .ready, "its only dependency is done")
        #expect(state.isHeld(node("b")))
        var launched: [Int] = []
        while let next = state.launch(limit: 9) { launched.append(next.node) }
        #expect(launched.sorted() == [node("a"), node("e")])
    }

    @Test func theNextReadyNodeCanBeSetAsideAndStopLaunchingStopsEverything() {
        var state = state()
        state.setAsideNext()
        #expect(state.phase[node("c")] == .waiting)
        #expect(state.nextReady == node("b"))
        state.stopLaunching = true
        #expect(!state.canLaunch(limit: 9))
        #expect(state.launch(limit: 9) == nil)
        #expect(state.isIdle)
    }
}
