import Foundation
import OneshotBreaker
import Testing

private let t0 = Date(timeIntervalSince1970: 1_800_000_000)

private func permit(_ admission: CircuitBreaker.Admission) -> CircuitBreaker.Permit? {
    if case .admitted(let permit) = admission { return permit }
    return nil
}

/// Feeds outcomes (`"F"` failure, `"S"` success) through a closed breaker at `t0`.
@discardableResult
private func feed(_ breaker: inout CircuitBreaker, _ outcomes: String, at now: Date = t0) -> [CircuitBreaker.Transition] {
    var transitions: [CircuitBreaker.Transition] = []
    for (index, outcome) in outcomes.enumerated() {
        guard let permit = permit(breaker.admit(now: now)) else { break }
        if let transition = breaker.record(permit, failed: outcome == "F", name: "w\(index)", now: now) {
            transitions.append(transition)
        }
    }
    return transitions
}

@Suite struct CircuitBreakerTests {
    @Test(arguments: [
        ("FFF", CircuitBreaker.State.open),
        ("FFSF", .open),
        ("FSFSF", .open),
        ("FSSSSFSF", .closed),  // the first failure slid out of the window of 5
        ("FFSSS", .closed),
        ("SSSSSSSS", .closed),
    ])
    func tripsOnThresholdFailuresWithinTheWindow(outcomes: String, expected: CircuitBreaker.State) {
        var breaker = CircuitBreaker()
        feed(&breaker, outcomes)
        #expect(breaker.state == expected)
    }

    @Test func theTripSaysWhy() {
        var breaker = CircuitBreaker()
        let transitions = feed(&breaker, "FSFF")
        #expect(
            transitions == [
                CircuitBreaker.Transition(
                    from: .closed, to: .open, reason: "3 of last 4 workstreams failed (w0, w2, w3)",
                    nextProbeAt: t0.addingTimeInterval(60), gaveUp: false
                )
            ])
    }

    @Test func openRejectsUntilThePeriodEndsThenAdmitsExactlyOneProbe() {
        var breaker = CircuitBreaker()
        feed(&breaker, "FFF")
        #expect(breaker.admit(now: t0.addingTimeInterval(59)) == .rejected(until: t0.addingTimeInterval(60)))
        let probe = permit(breaker.admit(now: t0.addingTimeInterval(60)))
        #expect(probe?.isProbe == true)
        #expect(breaker.state == .halfOpen)
        for _ in 0..<10 { #expect(breaker.admit(now: t0.addingTimeInterval(61)) == .rejected(until: nil)) }
    }

    @Test func aSuccessfulProbeClosesAndResets() throws {
        var breaker = CircuitBreaker()
        feed(&breaker, "FFF")
        let probe = try #require(permit(breaker.admit(now: t0.addingTimeInterval(60))))
        let transition = breaker.record(probe, failed: false, name: "00-052-07", now: t0.addingTimeInterval(61))
        #expect(transition?.reason == "probe 00-052-07 succeeded")
        #expect(breaker.state == .closed)
        #expect(breaker.consecutiveOpens == 0)
        #expect(breaker.window.isEmpty)
    }

    @Test func aFailedProbeReopensWithTheNextBackoffAndGivesUpAtMaxOpens() throws {
        var breaker = CircuitBreaker()
        feed(&breaker, "FFF")
        var now = t0
        var periods: [TimeInterval] = [60]
        for _ in 0..<2 {
            now = try #require(breaker.openUntil)
            let admission = breaker.admit(now: now)
            let probe = try #require(permit(admission))
            let recorded = breaker.record(probe, failed: true, name: "p", now: now)
            let transition = try #require(recorded)
            periods.append(try #require(transition.nextProbeAt).timeIntervalSince(now))
        }
        #expect(periods == [60, 120, 240])
        #expect(breaker.hasGivenUp)
        #expect(breaker.admit(now: now.addingTimeInterval(10_000)) == .gaveUp(retryAt: now.addingTimeInterval(240)))
    }

    @Test func theBackoffSequenceIsCappedAndNeverOverflows() throws {
        let configuration = try BreakerConfiguration(openTimeout: .seconds(60), maxBackoff: .seconds(300))
        #expect(
            (1...6).map { configuration.openPeriod(afterOpens: $0) } == [
                .seconds(60), .seconds(120), .seconds(240), .seconds(300), .seconds(300), .seconds(300),
            ])
        for opens in [29, 30, 63, 64, 1000, Int.max] {
            #expect(configuration.openPeriod(afterOpens: opens) == .seconds(300))
        }
        #expect(configuration.openPeriod(afterOpens: 0) == .seconds(60))
        #expect(configuration.openPeriod(afterOpens: Int.min) == .seconds(60))
    }

    @Test func staleOutcomesMoveNothing() throws {
        var breaker = CircuitBreaker()
        let early = try #require(permit(breaker.admit(now: t0)))  // admitted before the trip
        let lateSuccess = try #require(permit(breaker.admit(now: t0)))
        feed(&breaker, "FFF")
        #expect(breaker.record(early, failed: true, name: "x", now: t0) == nil)
        #expect(breaker.consecutiveOpens == 1)
        let probe = try #require(permit(breaker.admit(now: t0.addingTimeInterval(60))))
        #expect(breaker.record(lateSuccess, failed: false, name: "y", now: t0.addingTimeInterval(60)) == nil)
        #expect(breaker.state == .halfOpen, "a stale success must not close it")
        _ = probe
    }

    @Test func aReleasedProbeLetsAnotherGo() throws {
        var breaker = CircuitBreaker()
        feed(&breaker, "FFF")
        let probe = try #require(permit(breaker.admit(now: t0.addingTimeInterval(60))))
        breaker.release(probe)
        #expect(permit(breaker.admit(now: t0.addingTimeInterval(60)))?.isProbe == true)
    }

    @Test func exactlyOneProbeUnderManyConcurrentCallers() async throws {
        var tripped = CircuitBreaker()
        feed(&tripped, "FFF")
        let shared = SharedCircuitBreaker(tripped)
        let admitted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<200 {
                group.addTask { permit(shared.admit(now: t0.addingTimeInterval(60))) == nil ? 0 : 1 }
            }
            return await group.reduce(0, +)
        }
        #expect(admitted == 1)
    }
}

@Suite struct CircuitBreakerPersistenceTests {
    private let configuration = BreakerConfiguration()

    @Test func roundTripsAClosedBreakerWithItsWindow() throws {
        var breaker = CircuitBreaker()
        feed(&breaker, "FSF")
        let restored = CircuitBreaker.restoring(breaker.saved, configuration: configuration, now: t0.addingTimeInterval(5))
        #expect(restored.state == .closed)
        #expect(restored.window == [true, false, true])
        var again = restored
        let late = try #require(permit(again.admit(now: t0.addingTimeInterval(5))))
        _ = again.record(late, failed: true, name: "w3", now: t0.addingTimeInterval(5))
        #expect(again.state == .open)
    }

    @Test func anOpenBreakerWaitsOutTheRestOfItsPeriod() {
        var breaker = CircuitBreaker()
        feed(&breaker, "FFF")
        let restored = CircuitBreaker.restoring(breaker.saved, configuration: configuration, now: t0.addingTimeInterval(20))
        #expect(restored.state == .open)
        #expect(restored.openUntil == t0.addingTimeInterval(60))
    }

    @Test func aHalfOpenBreakerComesBackOpenWithItsTimerExpired() {
        let saved = CircuitBreaker.Saved(state: .halfOpen, consecutiveOpens: 2, openUntil: t0)
        var restored = CircuitBreaker.restoring(saved, configuration: configuration, now: t0.addingTimeInterval(100))
        #expect(restored.state == .open)
        #expect(permit(restored.admit(now: t0.addingTimeInterval(100)))?.isProbe == true)
    }

    @Test func timesAreClampedNotTrusted() {
        let now = t0
        let farFuture = CircuitBreaker.Saved(state: .open, consecutiveOpens: 1, openUntil: now.addingTimeInterval(86_400 * 365))
        #expect(
            CircuitBreaker.restoring(farFuture, configuration: configuration, now: now).openUntil == now.addingTimeInterval(300))
        let farPast = CircuitBreaker.Saved(state: .open, consecutiveOpens: 1, openUntil: now.addingTimeInterval(-86_400 * 365))
        var expired = CircuitBreaker.restoring(farPast, configuration: configuration, now: now)
        #expect(permit(expired.admit(now: now))?.isProbe == true)
        let absurd = CircuitBreaker.Saved(state: .open, consecutiveOpens: 1_000_000)
        #expect(CircuitBreaker.restoring(absurd, configuration: configuration, now: now).consecutiveOpens == 3)
    }

    @Test func theSeedsOpenFormWithoutAnEndTimeUsesTheLastFailure() {
        let saved = CircuitBreaker.Saved(state: .open, consecutiveOpens: 2, lastFailure: t0)
        let restored = CircuitBreaker.restoring(saved, configuration: configuration, now: t0.addingTimeInterval(30))
        #expect(restored.openUntil == t0.addingTimeInterval(120))
    }
}
