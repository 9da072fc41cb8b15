import Foundation
import OneshotBreaker
import OneshotDispatch
import OneshotGraph
import OneshotTestSupport
import OneshotWorkstreams
import Synchronization
import Testing

/// The breaker detects a shared outage: one workstream failing through its retries leaves it
/// closed and holds nothing back; many workstreams failing still trip it. Time is a
/// `ManualClock`'s: retry backoffs and open periods pass at once.
@Suite(.timeLimit(.minutes(3))) struct BrokenWorkstreamBreakerTests {
    private func dispatcher(_ graph: WorkstreamGraph, jobs: Int, retries: Int, clock: ManualClock) -> Dispatcher {
        Dispatcher(
            graph: graph,
            options: DispatchOptions(maxConcurrency: jobs, defaultRetries: retries, breaker: CircuitBreaker(), randomSeed: 1),
            clock: clock, wallClock: { clock.date }
        )
    }

    private func breakerEvents(_ events: [RunEvent]) -> [RunEvent] {
        events.filter {
            switch $0 {
            case .breakerChanged, .breakerWaiting: true
            default: false
            }
        }
    }

    /// `broken` fails all three attempts (`--retries 2`) while x0…x3 run; they finish only after
    /// its last failure, so y0…y3 (each after its x) become ready when the old window held three
    /// failures of one workstream and tripped, holding them 60 s.
    @Test func oneBrokenWorkstreamRetryingNeverTripsAndTheOthersRunAtOnce() async throws {
        let graph = try graph(
            [ws("broken")] + (0..<4).map { ws("x\($0)") } + (0..<4).map { ws("y\($0)", ["x\($0)"]) })
        let clock = ManualClock(advancesOnSleep: true)
        let brokenDone = Gate()
        let brokenFinalAt = Mutex<Date?>(nil)
        let starts = Log<(String, Date)>()
        let events = Log<RunEvent>()
        let report = await dispatcher(graph, jobs: 5, retries: 2, clock: clock).run(
            executor: { workstream, _ in
                starts.append((workstream.id, clock.date))
                if workstream.id == "broken" { return .failure(exitCode: 1) }
                if workstream.id.hasPrefix("x") { await brokenDone.wait() }
                return .success
            },
            onEvent: { event in
                events.append(event)
                if case .workstreamFinished(let attempt) = event, attempt.id == "broken", attempt.attempt == 3 {
                    brokenFinalAt.withLock { $0 = clock.date }
                    brokenDone.open()
                }
            }
        )
        #expect(breakerEvents(events.all).isEmpty, "one workstream's retries tripped the breaker")
        #expect(report.results.first { $0.id == "broken" }?.attempts == 3)
        #expect(report.results.filter { $0.state == .failed }.map(\.id) == ["broken"])
        #expect(report.count(.succeeded) == 8)
        let lastFailure = try #require(brokenFinalAt.withLock { $0 })
        let ys = starts.all.filter { $0.0.hasPrefix("y") }
        #expect(ys.count == 4)
        #expect(ys.allSatisfy { $0.1 <= lastFailure }, "a ready workstream was held back: \(ys)")
    }

    /// The README's harness example (schema → api, ui → e2e; two slots, one retry) with an agent
    /// whose first attempt at anything fails: three workstreams failed once each, and each then
    /// succeeded, so nothing is wrong with the service. The old window tripped on them (61.7 s).
    @Test func aFlakyFirstAttemptOfEachWorkstreamNeverTrips() async throws {
        let graph = try graph([ws("schema"), ws("api", ["schema"]), ws("ui", ["schema"]), ws("e2e", ["api", "ui"])])
        let clock = ManualClock(advancesOnSleep: true)
        let start = clock.date
        let events = Log<RunEvent>()
        let report = await dispatcher(graph, jobs: 2, retries: 1, clock: clock).run(
            executor: { _, attempt in attempt > 1 ? .success : .failure(detail: "the agent gave up") },
            onEvent: { events.append($0) }
        )
        #expect(report.status == .succeeded)
        #expect(breakerEvents(events.all).isEmpty)
        #expect(clock.date.timeIntervalSince(start) < 60, "only the retries' backoff passed, no open period")
    }

    @Test func anOutageFailingManyWorkstreamsStillTripsWithRetries() async throws {
        let graph = try graph((0..<8).map { ws("w\($0)") })
        let clock = ManualClock(advancesOnSleep: true)
        let down = Mutex(true)
        let transitions = Log<CircuitBreaker.Transition>()
        let report = await dispatcher(graph, jobs: 3, retries: 2, clock: clock).run(
            executor: { _, _ in down.withLock { $0 } ? .failure(exitCode: 1) : .success },
            onEvent: { event in
                if case .breakerChanged(let transition) = event { transitions.append(transition) }
                if case .breakerWaiting = event { down.withLock { $0 = false } }
            }
        )
        let trip = try #require(transitions.all.first)
        #expect(trip.to == .open)
        #expect(trip.reason.hasPrefix("3 of last 3 workstreams failed ("), "\(trip.reason)")
        #expect(transitions.all.last?.to == .closed, "the service came back: a probe closed it")
        #expect(report.status == .succeeded, "the failed workstreams' retries ran once it closed")
    }
}
