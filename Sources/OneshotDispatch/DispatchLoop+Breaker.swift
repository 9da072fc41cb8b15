import Foundation
import OneshotBreaker
import OneshotGraph
import OneshotWorkstreams

/// The circuit breaker as the loop asks it: one admission per launch, every outcome recorded.
extension DispatchLoop {
    /// The breaker's answer to "may one more attempt start?".
    enum Admission {
        /// The run has no breaker.
        case unguarded
        /// Yes, under this permit, handed back with the attempt's outcome.
        case admitted(CircuitBreaker.Permit)
        /// No: it is open (a wake-up is scheduled) or gave up.
        case refused
    }

    /// Every attempt's outcome goes through the breaker; an interrupted one hands its permit back.
    mutating func recordInBreaker(node: Int, status: AttemptStatus) {
        guard var breaker, let permit = permits.removeValue(forKey: node) else { return }
        defer { self.breaker = breaker }
        if status == .interrupted || status == .uncertain {
            breaker.release(permit)
            return
        }
        let before = breaker.saved
        let transition = breaker.record(
            permit, failed: status != .succeeded, name: graph.workstreams[node].id, now: time.now()
        )
        // Only the breaker's latest state matters: at most one entry per commit.
        if journal != nil && breaker.saved != before { pipeline.breakerChanged(breaker.saved) }
        guard let transition else { return }
        onEvent(.breakerChanged(transition))
        if transition.gaveUp {
            state.stopLaunching = true
            breakerRetryAt = transition.nextProbeAt
        }
    }

    /// Asks the breaker whether one more attempt may start; schedules a wake-up when it is open.
    mutating func breakerAdmits(_ group: inout TaskGroup<ChildResult>) -> Admission {
        guard var breaker else { return .unguarded }
        defer { self.breaker = breaker }
        switch breaker.admit(now: time.now()) {
        case .admitted(let permit):
            return .admitted(permit)
        case .rejected(let until):
            if let until, !breakerTimerPending {
                breakerTimerPending = true
                onEvent(.breakerWaiting(until: until))
                let delay = max(0, until.timeIntervalSince(time.now()))
                let sleep = time.sleep
                group.addTask {
                    try? await sleep(.milliseconds(Int64((delay * 1000).rounded(.up))))
                    return .breakerTimer
                }
            }
            return .refused
        case .gaveUp(let retryAt):
            state.stopLaunching = true
            breakerRetryAt = retryAt
            return .refused
        }
    }
}
