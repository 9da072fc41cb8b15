import Foundation
import OneshotDispatch
import OneshotGraph
import OneshotTestSupport
import OneshotWorkstreams
import Testing

@Suite(.timeLimit(.minutes(3))) struct DeadlineTests {
    private func dispatcher(
        _ graph: WorkstreamGraph, clock: ManualClock, deadlineIn seconds: TimeInterval, known: [String: Double] = [:]
    ) -> Dispatcher {
        var options = DispatchOptions(maxConcurrency: 2, knownDurations: known, breaker: nil)
        options.deadline = clock.date.addingTimeInterval(seconds)
        return Dispatcher(graph: graph, options: options, clock: clock, wallClock: { clock.date })
    }

    @Test func runningAttemptsAreInterruptedAtTheDeadlineAndNothingElseStarts() async throws {
        let clock = ManualClock()
        let started = Log<String>()
        let run = dispatcher(try graph([ws("a"), ws("b", ["a"]), ws("c")]), clock: clock, deadlineIn: 60)
        async let report = run.run(executor: { workstream, _ in
            started.append(workstream.id)
            // Waits on the same clock: only the deadline's cancellation ends it.
            try await clock.sleep(for: .seconds(3600))
            return .success
        })
        // The deadline's timer and the two attempts.
        await clock.sleepers(3)
        clock.advance(by: .seconds(59))
        #expect(started.all.sorted() == ["a", "c"])
        clock.advance(by: .seconds(1))
        let result = await report
        #expect(result.status == .deadlineReached)
        #expect(result.results.map(\.state) == [.interrupted, .notRun, .interrupted])
        #expect(started.all.sorted() == ["a", "c"], "nothing starts once the deadline is reached")
    }

    @Test func workWhoseKnownDurationWouldNotFitIsNotStarted() async throws {
        let clock = ManualClock()
        let started = Log<String>()
        let run = dispatcher(
            try graph([ws("long"), ws("after", ["long"]), ws("short"), ws("unknown")]), clock: clock, deadlineIn: 60,
            known: ["long": 120, "short": 30])
        let report = await run.run(executor: { workstream, _ in
            started.append(workstream.id)
            return .success
        })
        #expect(started.all.sorted() == ["short", "unknown"], "a workstream of unknown duration gets its chance")
        #expect(report.setAside == ["long"])
        #expect(report.status == .deadlineReached, "the run ends at once instead of waiting for the deadline")
        #expect(report.results.first { $0.id == "after" }?.state == .notRun)
        #expect(clock.date == Date(timeIntervalSince1970: 1_800_000_000), "no time passed: nothing waited")
    }

    @Test func aRunThatFitsSucceedsAndItsTimerEnds() async throws {
        let clock = ManualClock()
        let run = dispatcher(try graph([ws("a"), ws("b", ["a"])]), clock: clock, deadlineIn: 60, known: ["a": 10, "b": 10])
        let report = await run.run(executor: { _, _ in .success })
        #expect(report.status == .succeeded)
        #expect(report.setAside.isEmpty)
    }

    @Test func aDeadlineAlreadyPastStartsNothing() async throws {
        let clock = ManualClock()
        let started = Log<String>()
        let report = await dispatcher(try graph([ws("a")]), clock: clock, deadlineIn: -1).run(executor: { workstream, _ in
            started.append(workstream.id)
            return .success
        })
        #expect(started.all.isEmpty)
        #expect(report.status == .deadlineReached)
    }

    @Test func aRetryDueAfterTheDeadlineEndsInterrupted() async throws {
        let clock = ManualClock()
        var options = DispatchOptions(maxConcurrency: 1, defaultRetries: 3, breaker: nil)
        options.deadline = clock.date.addingTimeInterval(0.5)
        let run = Dispatcher(
            graph: try graph([ws("a")]), options: options, clock: clock, wallClock: { clock.date })
        async let report = run.run(executor: { _, _ in .failure(exitCode: 1) })
        // The deadline's timer and the retry's backoff (at least a second).
        await clock.sleepers(2)
        clock.advance(by: .milliseconds(500))
        let result = await report
        #expect(result.status == .deadlineReached)
        #expect(result.results.map(\.state) == [.interrupted])
        #expect(result.results.map(\.attempts) == [1])
    }
}
