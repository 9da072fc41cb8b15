import Foundation
import OneshotBreaker
import Testing

private let t0 = Date(timeIntervalSince1970: 1_800_000_000)

/// Records outcomes written `a:F b:S` (workstream `a` failed, then `b` succeeded) through a
/// breaker at `t0`, stopping when it no longer admits; returns the transitions.
@discardableResult
private func feed(_ breaker: inout CircuitBreaker, _ outcomes: String) -> [CircuitBreaker.Transition] {
    var transitions: [CircuitBreaker.Transition] = []
    for outcome in outcomes.split(separator: " ") {
        let parts = outcome.split(separator: ":")
        guard case .admitted(let permit) = breaker.admit(now: t0) else { break }
        if let transition = breaker.record(permit, failed: parts[1] == "F", name: String(parts[0]), now: t0) {
            transitions.append(transition)
        }
    }
    return transitions
}

/// The window counts workstreams, not attempts: a shared outage trips the breaker, one broken
/// workstream retrying does not.
@Suite struct BreakerWindowTests {
    @Test func aWorkstreamFailingManyTimesCountsOnce() {
        var breaker = CircuitBreaker()
        #expect(feed(&breaker, "a:F a:F a:F a:F a:F a:F a:F a:F").isEmpty)
        #expect(breaker.state == .closed)
        #expect(breaker.failureCount == 1)
        #expect(breaker.outcomes == [CircuitBreaker.Outcome(id: "a", failed: true)])
    }

    @Test func theLatestOutcomeReplacesTheEarlierOneSoASuccessClearsItsFailures() {
        var breaker = CircuitBreaker()
        feed(&breaker, "a:F b:F a:F a:S")
        #expect(breaker.failureCount == 1)
        #expect(breaker.outcomes.map(\.id) == ["b", "a"])
        #expect(feed(&breaker, "c:F").isEmpty, "a recovered: b and c are two failures, not three")
        #expect(breaker.state == .closed)
    }

    @Test func thresholdDistinctFailuresTripAndTheReasonNamesThem() {
        var breaker = CircuitBreaker()
        let transitions = feed(&breaker, "a:F b:F a:F x:S c:F")
        #expect(
            transitions == [
                CircuitBreaker.Transition(
                    from: .closed, to: .open, reason: "3 of last 4 workstreams failed (b, a, c)",
                    nextProbeAt: t0.addingTimeInterval(60), gaveUp: false)
            ])
    }

    @Test func theReasonNamesAtMostFiveWorkstreams() throws {
        var breaker = CircuitBreaker(configuration: try BreakerConfiguration(threshold: 7, window: 8))
        let transitions = feed(&breaker, "a:F b:F c:F d:F e:F f:F g:F")
        #expect(transitions.map(\.reason) == ["7 of last 7 workstreams failed (a, b, c, d, e, …)"])
    }

    @Test func theOldestWorkstreamLeavesTheWindowAndARepeatedOneMovesToTheNewestEnd() {
        var evicted = CircuitBreaker()
        feed(&evicted, "a:F b:S c:S d:S e:S f:S g:F h:F")
        #expect(evicted.state == .closed, "a slid out of the window of five")
        #expect(evicted.outcomes.map(\.id) == ["d", "e", "f", "g", "h"])

        var refreshed = CircuitBreaker()
        let transitions = feed(&refreshed, "a:F b:S c:S d:S e:S a:F f:F g:F")
        #expect(transitions.map(\.reason) == ["3 of last 5 workstreams failed (a, f, g)"])
    }

    @Test func anOutageFailingManyWorkstreamsStillTripsWhateverTheirRetries() {
        var breaker = CircuitBreaker()
        let transitions = feed(&breaker, "a:F a:F b:F a:F b:F c:F")
        #expect(transitions.map(\.reason) == ["3 of last 3 workstreams failed (a, b, c)"])
        #expect(breaker.state == .open)
    }

    @Test func halfOpenProbingIsUnchanged() throws {
        var breaker = CircuitBreaker()
        feed(&breaker, "a:F b:F c:F")
        guard case .admitted(let probe) = breaker.admit(now: t0.addingTimeInterval(60)) else {
            Issue.record("no probe after the open period")
            return
        }
        let failedProbe = breaker.record(probe, failed: true, name: "a", now: t0.addingTimeInterval(60))
        #expect(failedProbe?.reason == "probe a failed")
        #expect(breaker.consecutiveOpens == 2)
        #expect(breaker.outcomes.isEmpty, "a trip empties the window")
    }
}

@Suite struct BreakerWindowPersistenceTests {
    private let configuration = BreakerConfiguration()

    @Test func theWindowComesBackWithItsWorkstreamsSoTheSameOneFailingAgainStillCountsOnce() throws {
        var breaker = CircuitBreaker(configuration: try BreakerConfiguration(threshold: 2, window: 5))
        feed(&breaker, "a:F b:S")
        #expect(breaker.saved.windowIDs == ["a", "b"])
        var resumed = CircuitBreaker.restoring(breaker.saved, configuration: breaker.configuration, now: t0)
        #expect(resumed.outcomes == breaker.outcomes)
        #expect(feed(&resumed, "a:F a:F").isEmpty, "a's failures across the resume are one workstream's")
        #expect(feed(&resumed, "c:F").map(\.reason) == ["2 of last 3 workstreams failed (a, c)"])
    }

    @Test func aWindowSavedWithoutItsWorkstreamsComesBackEmpty() {
        let old = CircuitBreaker.Saved(state: .closed, window: [true, true])
        let restored = CircuitBreaker.restoring(old, configuration: configuration, now: t0)
        #expect(restored.state == .closed)
        #expect(restored.outcomes.isEmpty)
        let mismatched = CircuitBreaker.Saved(state: .closed, window: [true, true], windowIDs: ["a"])
        #expect(CircuitBreaker.restoring(mismatched, configuration: configuration, now: t0).outcomes.isEmpty)
    }

    @Test func aSavedWindowIsCutToOneOutcomePerWorkstreamTheNewestAndToTheWindowSize() {
        let saved = CircuitBreaker.Saved(
            state: .closed, window: [true, true, false, true, false, false, true, false],
            windowIDs: ["a", "b", "a", "c", "d", "e", "f", "g"])
        let restored = CircuitBreaker.restoring(saved, configuration: configuration, now: t0)
        #expect(restored.outcomes.map(\.id) == ["c", "d", "e", "f", "g"])
        #expect(restored.failureCount == 2)
        let duplicates = CircuitBreaker.Saved(state: .closed, window: [true, false], windowIDs: ["a", "a"])
        #expect(
            CircuitBreaker.restoring(duplicates, configuration: configuration, now: t0).outcomes == [
                CircuitBreaker.Outcome(id: "a", failed: false)
            ])
    }
}
