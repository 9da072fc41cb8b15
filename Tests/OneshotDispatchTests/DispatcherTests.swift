import OneshotDispatch
import OneshotGraph
import OneshotTestSupport
import OneshotWorkstreams
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(3))) struct DispatcherTests {
    @Test(arguments: [1, 3, 8])
    func concurrencyNeverExceedsTheLimitAndReachesIt(jobs: Int) async throws {
        let feature = try graph((0..<24).map { ws("w\($0)") })
        let counters = Mutex((running: 0, peak: 0))
        let dispatcher = Dispatcher(graph: feature, options: DispatchOptions(maxConcurrency: jobs))
        let report = await dispatcher.run { _, _ in
            counters.withLock {
                $0.running += 1; $0.peak = max($0.peak, $0.running)
            }
            try await Task.sleep(for: .milliseconds(5))  // simulated work, so attempts overlap
            counters.withLock { $0.running -= 1 }
            return .success
        }
        #expect(report.status == .succeeded)
        #expect(counters.withLock { $0.peak } == jobs)
    }

    @Test func everyDependencyFinishesBeforeItsDependentsStart() async throws {
        let feature = try layeredGraph(layers: 8, width: 12, seed: 7)
        let log = Log<String>()
        let dispatcher = Dispatcher(graph: feature, options: DispatchOptions(maxConcurrency: 4))
        let report = await dispatcher.run { workstream, _ in
            log.append("start \(workstream.id)")
            await Task.yield()
            log.append("end \(workstream.id)")
            return .success
        }
        #expect(report.status == .succeeded)
        let position = Dictionary(uniqueKeysWithValues: log.all.enumerated().map { ($1, $0) })
        for workstream in feature.workstreams {
            for dependency in workstream.dependencies {
                let ended = try #require(position["end \(dependency)"])
                let started = try #require(position["start \(workstream.id)"])
                #expect(ended < started, "\(workstream.id) started before \(dependency) ended")
            }
        }
    }

    @Test func aFailureSkipsExactlyItsTransitiveDependents() async throws {
        let feature = try graph([
            ws("a"), ws("b", ["a"]), ws("c", ["b"]), ws("d", ["a"]), ws("e"), ws("f", ["e"]), ws("g", ["c", "f"]),
        ])
        let ran = Log<String>()
        let skipped = Log<String>()
        let report = await Dispatcher(graph: feature).run(
            executor: { workstream, _ in
                ran.append(workstream.id)
                return workstream.id == "a" ? .failure(exitCode: 3) : .success
            },
            onEvent: { event in
                if case let .workstreamSkipped(id, blockedBy) = event { skipped.append("\(id)<\(blockedBy)") }
            })
        #expect(report.status == .failed)
        #expect(Set(ran.all) == ["a", "e", "f"])
        #expect(Set(skipped.all) == ["b<a", "c<a", "d<a", "g<a"])
        let states = Dictionary(uniqueKeysWithValues: report.results.map { ($0.id, $0.state) })
        #expect(
            states == [
                "a": .failed, "b": .skipped, "c": .skipped, "d": .skipped, "e": .succeeded, "f": .succeeded, "g": .skipped,
            ])
        #expect(report.results.first { $0.id == "a" }?.lastAttempt?.result?.exitCode == 3)
    }

    @Test func aThrownErrorIsAFailureWithItsDescription() async throws {
        struct AgentDown: Error, CustomStringConvertible { var description: String { "agent API unreachable" } }
        let report = await Dispatcher(graph: try graph([ws("a")])).run { _, _ in throw AgentDown() }
        #expect(report.status == .failed)
        #expect(report.results[0].lastAttempt?.result?.detail == "agent API unreachable")
    }

    @Test(arguments: [(2, WorkstreamState.succeeded, 3), (1, .failed, 2)])
    func retriesAFailedAttempt(retries: Int, expected: WorkstreamState, attempts: Int) async throws {
        let feature = try graph([ws("flaky", retries: retries), ws("after", ["flaky"])])
        let options = DispatchOptions(backoff: .immediate)
        let report = await Dispatcher(graph: feature, options: options).run { workstream, attempt in
            workstream.id == "flaky" && attempt < 3 ? .failure(exitCode: 1) : .success
        }
        let flaky = try #require(report.results.first { $0.id == "flaky" })
        #expect(flaky.state == expected)
        #expect(flaky.attempts == attempts)
    }

    @Test func retryDelaysGrowExponentiallyUpToTheCap() async throws {
        let clock = ManualClock(advancesOnSleep: true)
        let options = DispatchOptions(
            defaultRetries: 5, backoff: BackoffPolicy(base: .seconds(1), maximum: .seconds(5), jitter: false), breaker: nil
        )
        let dispatcher = Dispatcher(graph: try graph([ws("a")]), options: options, clock: clock)
        let report = await dispatcher.run { _, _ in .failure() }
        #expect(report.results[0].attempts == 6)
        #expect(clock.requested == [.seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
    }

    @Test func jitterStaysInTheUpperHalfAndIsReproducible() {
        let policy = BackoffPolicy(base: .seconds(2), maximum: .seconds(60), jitter: true)
        var first = SeededRandom(seed: 42)
        var second = SeededRandom(seed: 42)
        for attempt in 1...8 {
            let delay = policy.delay(afterAttempt: attempt, using: &first)
            let full = min(2.0 * Double(1 << (attempt - 1)), 60)
            #expect(delay >= .milliseconds(Int64(full * 500)) && delay <= .milliseconds(Int64(full * 1000)))
            #expect(delay == policy.delay(afterAttempt: attempt, using: &second))
        }
        var random = SeededRandom(seed: 1)
        #expect(policy.delay(afterAttempt: Int.max, using: &random) <= .seconds(60))
    }

    @Test func aTimedOutAttemptIsCancelledAndCountsAsFailed() async throws {
        let cancelled = Log<String>()
        let feature = try graph([ws("slow", timeout: .milliseconds(50)), ws("after", ["slow"])])
        let report = await Dispatcher(graph: feature).run { workstream, _ in
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {
                cancelled.append(workstream.id)
                throw error
            }
            return .success
        }
        #expect(cancelled.all == ["slow"])
        let slow = try #require(report.results.first { $0.id == "slow" })
        #expect(slow.state == .failed)
        #expect(slow.lastAttempt?.status == .timedOut)
        #expect(report.results.first { $0.id == "after" }?.state == .skipped)
    }

    @Test func anAttemptItsExecutorCouldNotStopIsUncertainNeverRetried() async throws {
        let attempts = Log<Int>()
        let feature = try graph([ws("job", timeout: .milliseconds(50))])
        let report = await Dispatcher(graph: feature, options: DispatchOptions(defaultRetries: 3)).run { workstream, attempt in
            attempts.append(attempt)
            do {
                try await Task.sleep(for: .seconds(3600))
            } catch {
                // A batch job whose cancellation the scheduler refused: it may still run.
                throw AttemptNotStopped(id: workstream.id, detail: "job 1 not cancelled")
            }
            return .success
        }
        #expect(attempts.all == [1], "a retry would run a second copy beside the first")
        let job = try #require(report.results.first)
        #expect(job.state == .uncertain)
        #expect(job.lastAttempt?.status == .uncertain)
    }

    @Test func readyWorkstreamsStartByLongestRemainingPathThenID() async throws {
        let feature = try graph([ws("a"), ws("b"), ws("z1"), ws("z2", ["z1"]), ws("z3", ["z2"])])
        let order = Log<String>()
        _ = await Dispatcher(graph: feature, options: DispatchOptions(maxConcurrency: 1)).run { workstream, _ in
            order.append(workstream.id)
            return .success
        }
        #expect(order.all == ["z1", "z2", "a", "b", "z3"])
    }

    @Test func knownDurationsReorderTheQueue() async throws {
        let feature = try graph([ws("a"), ws("b"), ws("c")])
        let order = Log<String>()
        let options = DispatchOptions(maxConcurrency: 1, knownDurations: ["a": 1, "b": 9, "c": 5])
        _ = await Dispatcher(graph: feature, options: options).run { workstream, _ in
            order.append(workstream.id)
            return .success
        }
        #expect(order.all == ["b", "c", "a"])
    }

    /// No batch barrier: with two slots, `c` (after the short `b`) must start while the long `a`
    /// still runs. `a` only finishes once `c` has started, so a barrier would never finish.
    @Test func aDependentStartsWhileAnUnrelatedWorkstreamStillRuns() async throws {
        let feature = try graph([ws("a"), ws("b"), ws("c", ["b"])])
        let cStarted = Gate()
        let report = await Dispatcher(graph: feature, options: DispatchOptions(maxConcurrency: 2)).run { workstream, _ in
            switch workstream.id {
            case "a": await cStarted.wait()
            case "c": cStarted.open()
            default: break
            }
            return .success
        }
        #expect(report.status == .succeeded)
    }

    @Test func completedAndDeclaredDoneWorkstreamsAreNotRunAndSatisfyDependents() async throws {
        let feature = try graph([ws("a", status: "completed"), ws("b"), ws("c", ["a", "b"]), ws("d", ["c"])])
        let ran = Log<String>()
        let options = DispatchOptions(alreadyCompleted: ["b"])
        let report = await Dispatcher(graph: feature, options: options).run { workstream, _ in
            ran.append(workstream.id)
            return .success
        }
        #expect(ran.all == ["c", "d"])
        #expect(report.status == .succeeded)
        #expect(report.count(.alreadyDone) == 2)
    }

    @Test func cancellingTheRunInterruptsRunningAttemptsAndStartsNothingNew() async throws {
        let feature = try graph([ws("a"), ws("b"), ws("c", ["a"])])
        let bothStarted = Gate()
        let started = Mutex(0)
        let dispatcher = Dispatcher(graph: feature, options: DispatchOptions(maxConcurrency: 2))
        let run = Task {
            await dispatcher.run { _, _ in
                if started.withLock({
                    $0 += 1; return $0
                }) == 2 {
                    bothStarted.open()
                }
                try await Task.sleep(for: .seconds(3600))
                return .success
            }
        }
        await bothStarted.wait()
        run.cancel()
        let report = await run.value
        #expect(report.status == .interrupted)
        let states = Dictionary(uniqueKeysWithValues: report.results.map { ($0.id, $0.state) })
        #expect(states == ["a": .interrupted, "b": .interrupted, "c": .notRun])
    }

    @Test func eventsArriveAsAnAsyncStreamEndingWithTheReport() async throws {
        let dispatcher = Dispatcher(graph: try graph([ws("a"), ws("b", ["a"])]))
        var names: [String] = []
        for await event in dispatcher.events(executor: { _, _ in .success }) {
            switch event {
            case .runStarted: names.append("run")
            case let .workstreamStarted(id, _): names.append("start \(id)")
            case .workstreamFinished(let report): names.append("end \(report.id)")
            case .runFinished(let report): names.append("finished \(report.status)")
            default: names.append("other")
            }
        }
        #expect(names == ["run", "start a", "end a", "start b", "end b", "finished succeeded"])
    }

    @Test func aConsumerCancelledMidRunStillGetsTheReport() async throws {
        let dispatcher = Dispatcher(
            graph: try graph([ws("a"), ws("b", ["a"]), ws("c", ["b"])]), options: DispatchOptions(maxConcurrency: 1))
        let started = Gate()
        let events = dispatcher.events { workstream, _ in
            if workstream.id == "b" {
                started.open()
                // Until the run is cancelled.
                try await Task.sleep(for: .seconds(600))
            }
            return .success
        }
        let consumer = Task {
            var seen: [String] = []
            for await event in events {
                if case .workstreamStarted(let id, _) = event { seen.append(id) }
            }
            return seen
        }
        await started.wait()
        consumer.cancel()
        _ = await consumer.value
        let report = await events.report
        #expect(report.status == .interrupted)
        let states = Dictionary(uniqueKeysWithValues: report.results.map { ($0.id, $0.state) })
        #expect(states == ["a": .succeeded, "b": .interrupted, "c": .notRun])
    }

    @Test func dispatchesALargeGraph() async throws {
        let feature = try layeredGraph(layers: 100, width: 100, seed: 3)
        let count = Mutex(0)
        let report = await Dispatcher(graph: feature, options: DispatchOptions(maxConcurrency: 8)).run { _, _ in
            count.withLock { $0 += 1 }
            return .success
        }
        #expect(report.status == .succeeded)
        #expect(count.withLock { $0 } == 10_000)
    }
}
