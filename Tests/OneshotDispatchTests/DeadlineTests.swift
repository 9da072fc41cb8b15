import Foundation
import OneshotDispatch
import OneshotGraph
import OneshotWorkstreams
import Synchronization
import Testing

/// Virtual time that moves only when the test says: a sleeper waits until ``advance(by:)``
/// passes its wake-up time, or until its task is cancelled.
final class SteppedClock: Sendable {
    private struct Sleeper {
        let wake: Date
        let id: Int
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var now = Date(timeIntervalSince1970: 1_800_000_000)
        var sleepers: [Sleeper] = []
        var nextID = 0
        var cancelled: Set<Int> = []
        var watchers: [(Int, CheckedContinuation<Void, Never>)] = []
    }

    private let state = Mutex(State())

    var now: Date { state.withLock { $0.now } }

    func sleep(_ duration: Duration) async throws {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        let woke = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let (resume, watchers) = state.withLock { state -> (Bool?, [CheckedContinuation<Void, Never>]) in
                    if state.cancelled.contains(id) { return (false, []) }
                    let wake = state.now.addingTimeInterval(Double(duration.wholeMilliseconds) / 1000)
                    if wake <= state.now { return (true, []) }
                    state.sleepers.append(Sleeper(wake: wake, id: id, continuation: continuation))
                    let due = state.watchers.filter { $0.0 <= state.sleepers.count }
                    state.watchers.removeAll { $0.0 <= state.sleepers.count }
                    return (nil, due.map(\.1))
                }
                watchers.forEach { $0.resume() }
                if let resume { continuation.resume(returning: resume) }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                state.cancelled.insert(id)
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(returning: false)
        }
        if !woke { throw CancellationError() }
    }

    /// Returns once `count` sleepers wait.
    func sleepers(_ count: Int) async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state in
                if state.sleepers.count >= count { return true }
                state.watchers.append((count, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Moves time forward and wakes every sleeper now due.
    func advance(by seconds: TimeInterval) {
        let due = state.withLock { state in
            state.now = state.now.addingTimeInterval(seconds)
            let now = state.now
            let due = state.sleepers.filter { $0.wake <= now }
            state.sleepers.removeAll { $0.wake <= now }
            return due
        }
        due.forEach { $0.continuation.resume(returning: true) }
    }
}

@Suite(.timeLimit(.minutes(1))) struct DeadlineTests {
    private func dispatcher(
        _ graph: WorkstreamGraph, clock: SteppedClock, deadlineIn seconds: TimeInterval, known: [String: Double] = [:]
    ) -> Dispatcher {
        var options = DispatchOptions(maxConcurrency: 2, knownDurations: known, breaker: nil)
        options.deadline = clock.now.addingTimeInterval(seconds)
        return Dispatcher(graph: graph, options: options, sleep: { try await clock.sleep($0) }, now: { clock.now })
    }

    @Test func runningAttemptsAreInterruptedAtTheDeadlineAndNothingElseStarts() async throws {
        let clock = SteppedClock()
        let started = Log<String>()
        let run = dispatcher(try graph([ws("a"), ws("b", ["a"]), ws("c")]), clock: clock, deadlineIn: 60)
        async let report = run.run(executor: { workstream, _ in
            started.append(workstream.id)
            // Waits on the same clock: only the deadline's cancellation ends it.
            try await clock.sleep(.seconds(3600))
            return .success
        })
        // The deadline's timer and the two attempts.
        await clock.sleepers(3)
        clock.advance(by: 59)
        #expect(started.all.sorted() == ["a", "c"])
        clock.advance(by: 1)
        let result = await report
        #expect(result.status == .deadlineReached)
        #expect(result.results.map(\.state) == [.interrupted, .notRun, .interrupted])
        #expect(started.all.sorted() == ["a", "c"], "nothing starts once the deadline is reached")
    }

    @Test func workWhoseKnownDurationWouldNotFitIsNotStarted() async throws {
        let clock = SteppedClock()
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
        #expect(clock.now == Date(timeIntervalSince1970: 1_800_000_000), "no time passed: nothing waited")
    }

    @Test func aRunThatFitsSucceedsAndItsTimerEnds() async throws {
        let clock = SteppedClock()
        let run = dispatcher(try graph([ws("a"), ws("b", ["a"])]), clock: clock, deadlineIn: 60, known: ["a": 10, "b": 10])
        let report = await run.run(executor: { _, _ in .success })
        #expect(report.status == .succeeded)
        #expect(report.setAside.isEmpty)
    }

    @Test func aDeadlineAlreadyPastStartsNothing() async throws {
        let clock = SteppedClock()
        let started = Log<String>()
        let report = await dispatcher(try graph([ws("a")]), clock: clock, deadlineIn: -1).run(executor: { workstream, _ in
            started.append(workstream.id)
            return .success
        })
        #expect(started.all.isEmpty)
        #expect(report.status == .deadlineReached)
    }

    @Test func aRetryDueAfterTheDeadlineEndsInterrupted() async throws {
        let clock = SteppedClock()
        var options = DispatchOptions(maxConcurrency: 1, defaultRetries: 3, breaker: nil)
        options.deadline = clock.now.addingTimeInterval(0.5)
        let run = Dispatcher(
            graph: try graph([ws("a")]), options: options, sleep: { try await clock.sleep($0) }, now: { clock.now })
        async let report = run.run(executor: { _, _ in .failure(exitCode: 1) })
        // The deadline's timer and the retry's backoff (at least a second).
        await clock.sleepers(2)
        clock.advance(by: 0.5)
        let result = await report
        #expect(result.status == .deadlineReached)
        #expect(result.results.map(\.state) == [.interrupted])
        #expect(result.results.map(\.attempts) == [1])
    }
}
