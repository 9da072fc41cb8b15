import Foundation
import OneshotBreaker
import OneshotDispatch
import OneshotGraph
import OneshotTestSupport
import OneshotWorkstreams
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(3))) struct BreakerDispatchTests {
    private func dispatcher(_ graph: WorkstreamGraph, jobs: Int, maxOpens: Int = 3, clock: ManualClock) throws -> Dispatcher {
        let breaker = CircuitBreaker(configuration: try BreakerConfiguration(maxOpens: maxOpens))
        return Dispatcher(
            graph: graph, options: DispatchOptions(maxConcurrency: jobs, breaker: breaker),
            clock: clock, wallClock: { clock.date }
        )
    }

    @Test func aRunOfFailuresHoldsWorkBackUntilAProbeSucceeds() async throws {
        let graph = try WorkstreamGraph((0..<10).map { Workstream(id: "w\($0)") })
        let clock = ManualClock(advancesOnSleep: true)
        let failing = Mutex(true)
        let starts = Mutex<[(String, Date)]>([])
        let events = Mutex<[RunEvent]>([])
        let report = try await dispatcher(graph, jobs: 1, clock: clock).run(
            executor: { workstream, _ in
                starts.withLock { $0.append((workstream.id, clock.date)) }
                return failing.withLock { $0 } ? .failure(exitCode: 1) : .success
            },
            onEvent: { event in
                events.withLock { $0.append(event) }
                if case .breakerWaiting = event { failing.withLock { $0 = false } }
            }
        )
        let transitions = events.withLock { $0 }.compactMap { event -> CircuitBreaker.Transition? in
            if case .breakerChanged(let transition) = event { return transition }
            return nil
        }
        #expect(transitions.map(\.reason) == ["3 of last 3 workstreams failed (w0, w1, w2)", "probe w3 succeeded"])
        let opened = try #require(transitions.first?.nextProbeAt)
        let afterTrip = starts.withLock { $0 }.dropFirst(3)
        #expect(afterTrip.allSatisfy { $0.1 >= opened }, "a workstream started while the breaker was open")
        #expect(report.results.filter { $0.state == .failed }.map(\.id) == ["w0", "w1", "w2"])
        #expect(report.count(.succeeded) == 7, "held-back workstreams are not failed: they ran once it closed")
    }

    @Test func halfOpenAdmitsOneProbeHoweverManySlotsAreFree() async throws {
        let graph = try WorkstreamGraph((0..<12).map { Workstream(id: "w\($0)") })
        let clock = ManualClock(advancesOnSleep: true)
        // Judged on the dispatcher's own events: from the trip on, the first launch is the probe,
        // and nothing else may launch until the probe has finished.
        let state = Mutex((tripped: false, probe: String?.none, probeDone: false, launchesBesideProbe: 0))
        let failing = Mutex(true)
        let report = try await dispatcher(graph, jobs: 8, clock: clock).run(
            executor: { _, _ in
                for _ in 0..<50 { await Task.yield() }  // give the dispatcher every chance to start more
                return failing.withLock { $0 } ? .failure() : .success
            },
            onEvent: { event in
                state.withLock { state in
                    switch event {
                    case .breakerWaiting:
                        state.tripped = true
                        failing.withLock { $0 = false }
                    case .workstreamStarted(let id, _) where state.tripped:
                        if state.probe == nil {
                            state.probe = id
                        } else if !state.probeDone {
                            state.launchesBesideProbe += 1
                        }
                    case .workstreamFinished(let attempt) where attempt.id == state.probe:
                        state.probeDone = true
                    default:
                        break
                    }
                }
            }
        )
        #expect(state.withLock { $0.probe } != nil)
        #expect(state.withLock { $0.launchesBesideProbe } == 0, "something launched beside the half-open probe")
        // First-wave attempts still running at the trip may end either way; the held-back ones
        // are never failed by the breaker: every workstream ran.
        #expect(report.count(.failed) >= 3 && report.count(.failed) + report.count(.succeeded) == 12)
    }

    @Test func afterMaxOpensItGivesUpLeavingTheRestNotRunNotFailed() async throws {
        let graph = try WorkstreamGraph((0..<10).map { Workstream(id: "w\($0)") })
        let clock = ManualClock(advancesOnSleep: true)
        let attempts = Mutex(0)
        let report = try await dispatcher(graph, jobs: 1, maxOpens: 3, clock: clock).run { _, _ in
            attempts.withLock { $0 += 1 }
            return .failure(exitCode: 1)
        }
        #expect(report.status == .breakerGaveUp)
        #expect(attempts.withLock { $0 } == 5, "3 to trip, then 2 failed probes")
        #expect(report.count(.failed) == 5)
        #expect(report.count(.notRun) == 5)
        let retryAt = try #require(report.breakerRetryAt)
        #expect(retryAt > clock.date)
    }

    @Test func aBreakerRestoredOpenWaitsOutItsPeriodBeforeTheFirstLaunch() async throws {
        let graph = try WorkstreamGraph([Workstream(id: "a"), Workstream(id: "b")])
        let clock = ManualClock(advancesOnSleep: true)
        let saved = CircuitBreaker.Saved(state: .open, consecutiveOpens: 1, openUntil: clock.date.addingTimeInterval(42))
        let restored = CircuitBreaker.restoring(saved, configuration: BreakerConfiguration(), now: clock.date)
        let firstStart = Mutex<Date?>(nil)
        let start = clock.date
        let report = await Dispatcher(
            graph: graph, options: DispatchOptions(breaker: restored), clock: clock, wallClock: { clock.date }
        ).run { _, _ in
            firstStart.withLock { $0 = $0 ?? clock.date }
            return .success
        }
        #expect(report.status == .succeeded)
        #expect(try #require(firstStart.withLock { $0 }).timeIntervalSince(start) >= 42)
    }

    @Test func cancellationsAndSkipsDoNotCountAsFailures() async throws {
        let graph = try WorkstreamGraph([
            Workstream(id: "a"), Workstream(id: "b", dependencies: ["a"]), Workstream(id: "c", dependencies: ["b"]),
        ])
        let clock = ManualClock(advancesOnSleep: true)
        let events = Mutex<[RunEvent]>([])
        _ = try await dispatcher(graph, jobs: 1, clock: clock).run(
            executor: { _, _ in .failure() }, onEvent: { event in events.withLock { $0.append(event) } }
        )
        let tripped = events.withLock { $0 }.contains { if case .breakerChanged = $0 { true } else { false } }
        #expect(!tripped, "one failure and two skips must not trip a 3-of-5 breaker")
    }
}
