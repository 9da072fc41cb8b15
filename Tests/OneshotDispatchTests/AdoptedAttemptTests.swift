import OneshotDispatch
import OneshotGraph
import OneshotWorkstreams
import Synchronization
import Testing

/// Attempts an earlier run left running: awaited, counted against the limit, never started again.
@Suite(.timeLimit(.minutes(3))) struct AdoptedAttemptTests {
    @Test func anAdoptedAttemptHoldsItsSlotAndIsNeverStartedAgain() async throws {
        let feature = try graph([ws("old"), ws("next", ["old"]), ws("free")])
        let release = Gate()
        let waiting = Gate()
        let log = Log<String>()
        let adopted = AdoptedAttempt(id: "old", attempt: 2, runningFor: .seconds(1)) {
            log.append("waiting for old")
            waiting.open()
            await release.wait()
            log.append("old ended")
            return .success
        }
        let dispatcher = Dispatcher(graph: feature, options: DispatchOptions(maxConcurrency: 1, adopted: [adopted]))
        let events = Log<RunEvent>()
        async let report = dispatcher.run(
            executor: { workstream, attempt in
                log.append("run \(workstream.id) attempt \(attempt)")
                return .success
            }, onEvent: { events.append($0) })
        // With -j 1 and the adopted attempt running, nothing else may start until it ends.
        await waiting.wait()
        #expect(!log.all.contains { $0.hasPrefix("run ") })
        release.open()
        let result = await report
        #expect(result.status == .succeeded)
        #expect(log.all == ["waiting for old", "old ended", "run free attempt 1", "run next attempt 1"])
        #expect(result.results.first { $0.id == "old" }?.attempts == 2)
        let started = events.all.compactMap { event -> String? in
            if case let .workstreamStarted(id, attempt) = event { return "\(id)#\(attempt)" }
            return nil
        }
        #expect(started.first == "old#2")
    }

    @Test func whatIsLeftOfTheTimeoutAppliesAndAFailureIsRetriedAsTheNextAttempt() async throws {
        let feature = try graph([ws("old", retries: 1, timeout: .seconds(10))])
        let adopted = AdoptedAttempt(id: "old", attempt: 1, runningFor: .seconds(10)) {
            // Past its timeout already: it must be cancelled, not awaited.
            try await Task.sleep(for: .seconds(3600))
            return .success
        }
        let attempts = Log<Int>()
        let dispatcher = Dispatcher(
            graph: feature,
            options: DispatchOptions(backoff: BackoffPolicy(base: .zero, maximum: .zero, jitter: false), adopted: [adopted]))
        let report = await dispatcher.run { _, attempt in
            attempts.append(attempt)
            return .success
        }
        #expect(report.status == .succeeded)
        #expect(attempts.all == [2])
        #expect(report.results[0].lastAttempt?.attempt == 2)
    }
}
