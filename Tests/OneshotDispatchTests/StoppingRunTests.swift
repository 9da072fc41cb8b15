import OneshotDispatch
import OneshotGraph
import OneshotTestSupport
import OneshotWorkstreams
import Testing

/// A run that stops launching ends once its running attempts have: a workstream waiting out a
/// retry's delay is interrupted at once (hostile review 7: a run whose disk stayed full for
/// `--checkpoint-grace 2s` exited 6 only after 23.9 s, when the longest infrastructure retry's
/// delay was over; a fail-fast run waited out every pending retry the same way).
@Suite(.timeLimit(.minutes(3))) struct StoppingRunTests {
    @Test func aFailFastStopDoesNotWaitOutAPendingRetry() async throws {
        let clock = ManualClock()
        var options = DispatchOptions(maxConcurrency: 2, breaker: nil)
        options.failFast = true
        options.randomSeed = 7
        let dispatcher = Dispatcher(
            graph: try graph([ws("a", retries: 1), ws("b")]), options: options, clock: clock, wallClock: { clock.date })
        let report = await dispatcher.run { workstream, _ in
            // b fails for good once a waits for its retry: on the broken loop, the run then
            // waited for that delay, which this clock never lets pass (the time limit fails it).
            if workstream.id == "b" { await clock.sleepers(1) }
            return .failure(exitCode: 1)
        }
        #expect(report.results.map(\.state) == [.interrupted, .failed])
        #expect(clock.now.offset == .zero, "no time passed: nothing waited for the retry's delay")
    }
}
