import Foundation
import OneshotBreaker
import OneshotDispatch
import OneshotGraph
import OneshotTestSupport
import OneshotWorkstreams
import Synchronization
import Testing

/// A journal on a disk that the test fills and frees: while full, start records are refused and
/// commits write nothing; what was recorded meanwhile is written by the first commit after.
final class DiskFullJournal: RunJournal {
    struct Refused: Error, CustomStringConvertible {
        var description: String { "write .sdp/checkpoints/F1-journal.jsonl: No space left on device" }
    }

    let log = Log<String>()
    private let state = Mutex<(full: Bool, unwritten: [String])>((false, []))

    init(full: Bool = false) {
        state.withLock { $0.full = full }
    }

    var full: Bool {
        get { state.withLock { $0.full } }
        set { state.withLock { $0.full = newValue } }
    }

    func attemptStarting(id: String, attempt: Int) throws {
        guard !full else {
            log.append("refused \(id)")
            throw Refused()
        }
        log.append("start \(id)")
    }

    func record(_ entries: [JournalEntry]) {
        let ids = entries.compactMap { entry -> String? in
            if case let .attemptFinished(report, _) = entry { report.id } else { nil }
        }
        state.withLock { $0.unwritten += ids }
    }

    func commit() async -> JournalCommitResult {
        let (full, written) = state.withLock { state -> (Bool, [String]) in
            guard !state.full else { return (true, []) }
            defer { state.unwritten = [] }
            return (false, state.unwritten)
        }
        if full {
            log.append("commit unwritten")
            return .unwritten(message: "checkpoint not written: No space left on device")
        }
        log.append("commit \(written.joined(separator: ","))")
        return .durable
    }
}

@Suite(.timeLimit(.minutes(3))) struct UnwritableJournalTests {
    private func dispatcher(
        _ feature: WorkstreamGraph, _ journal: DiskFullJournal, _ time: ManualClock, grace: Duration = .seconds(60)
    )
        -> Dispatcher
    {
        var options = DispatchOptions(maxConcurrency: 2, commitDelay: .seconds(86_400), checkpointGrace: grace)
        options.randomSeed = 7
        return Dispatcher(graph: feature, options: options, journal: journal, clock: time, wallClock: { time.date })
    }

    @Test func noAttemptStartsWithoutItsStartRecordAndItStartsOnceTheDiskHasSpace() async throws {
        let journal = DiskFullJournal(full: true)
        // The disk is freed during the second retry's wait.
        let time = ManualClock(advancesOnSleep: true) { if $0 == 2 { journal.full = false } }
        let runs = Log<String>()
        let events = Log<RunEvent>()
        let report = await dispatcher(try graph([ws("a")]), journal, time).run(
            executor: { workstream, _ in
                runs.append(workstream.id)
                return .success
            },
            onEvent: { events.append($0) })
        #expect(report.status == .succeeded)
        #expect(runs.all == ["a"])
        #expect(journal.log.all == ["refused a", "commit unwritten", "commit ", "start a", "commit a"])
        #expect(time.requested == [.milliseconds(250), .milliseconds(500)])
        let unwritable = events.all.compactMap { event -> Duration? in
            if case let .journalUnwritable(_, _, _, retryIn) = event { retryIn } else { nil }
        }
        #expect(unwritable == [.milliseconds(250), .milliseconds(500)])
    }

    @Test func outcomesRecordedOnAFullDiskHoldBackTheirDependentsUntilWritten() async throws {
        let journal = DiskFullJournal()
        let time = ManualClock(advancesOnSleep: true) { if $0 == 3 { journal.full = false } }
        let runs = Log<String>()
        let report = await dispatcher(try graph([ws("a"), ws("b", ["a"])]), journal, time).run { workstream, _ in
            runs.append(workstream.id)
            if workstream.id == "a" { journal.full = true }
            return .success
        }
        #expect(report.status == .succeeded)
        #expect(runs.all == ["a", "b"])
        // a's outcome is written by the first commit that can write, and only then does b start.
        #expect(
            journal.log.all == [
                "start a", "commit unwritten", "commit unwritten", "commit unwritten", "commit a", "start b", "commit b",
            ])
        #expect(report.unrecorded.isEmpty)
    }

    @Test func whenNothingCanBeWrittenForTheGracePeriodTheRunStopsNamingWhatIsNotRecorded() async throws {
        let journal = DiskFullJournal()
        let time = ManualClock(advancesOnSleep: true)
        let events = Log<RunEvent>()
        let report = await dispatcher(try graph([ws("a"), ws("b", ["a"]), ws("c")]), journal, time, grace: .seconds(2)).run(
            executor: { workstream, _ in
                journal.full = true
                return .success
            },
            onEvent: { events.append($0) })
        #expect(report.status == .journalFailed)
        #expect(report.unrecorded == ["a", "c"])
        #expect(report.results.first { $0.id == "b" }?.state == .notRun)
        // 250 + 500 + 1000 ms, then the 250 ms left of the 2 s.
        #expect(time.requested == [.milliseconds(250), .milliseconds(500), .milliseconds(1000), .milliseconds(250)])
        #expect(
            events.all.contains {
                if case let .journalFailed(message, stopsRun) = $0 { stopsRun && message.contains("for 2.00s") } else { false }
            })
    }

    @Test func infrastructureErrorsAreNotFailuresNorCountedByTheBreakerNorRetries() async throws {
        let time = ManualClock(advancesOnSleep: true)
        let calls = Mutex(0)
        var options = DispatchOptions(
            maxConcurrency: 1, breaker: CircuitBreaker(configuration: try BreakerConfiguration(threshold: 1, window: 1)))
        options.randomSeed = 3
        let events = Log<RunEvent>()
        let report = await Dispatcher(graph: try graph([ws("a")]), options: options, clock: time, wallClock: { time.date }).run(
            executor: { _, _ in
                let call = calls.withLock { call in
                    call += 1
                    return call
                }
                if call <= 3 { throw InfrastructureError("open .sdp/logs/F1/a.log: Too many open files") }
                return .success
            },
            onEvent: { events.append($0) })
        #expect(report.status == .succeeded)
        #expect(report.results[0].attempts == 1)
        let notStarted = events.all.compactMap { event -> Int? in
            if case let .infrastructureFailed(_, attempt, _, retryIn) = event, retryIn != nil { attempt } else { nil }
        }
        #expect(notStarted == [1, 1, 1])
        #expect(!events.all.contains { if case .breakerChanged = $0 { true } else { false } })
        #expect(!events.all.contains { if case .workstreamFinished(let r) = $0 { r.status != .succeeded } else { false } })
    }

    @Test func persistentInfrastructureErrorsEndTheRunAfterTheGracePeriod() async throws {
        let time = ManualClock(advancesOnSleep: true)
        var options = DispatchOptions(maxConcurrency: 1, checkpointGrace: .seconds(5))
        options.randomSeed = 3
        let report = await Dispatcher(
            graph: try graph([ws("a"), ws("b", ["a"])]), options: options, clock: time, wallClock: { time.date }
        )
        .run { _, _ in throw InfrastructureError("posix_spawn /bin/sh: Resource temporarily unavailable") }
        #expect(report.status == .infrastructureFailed)
        #expect(report.results.map(\.state) == [.notRun, .notRun])
        #expect(report.results.map(\.attempts) == [0, 0])
    }

    /// A lasting error (a log folder that is a file) ends the run at its first occurrence, with
    /// no wait and no retry; before, it was retried like a lack of descriptors for the whole
    /// grace period.
    @Test func aLastingInfrastructureErrorEndsTheRunAtOnce() async throws {
        let time = ManualClock(advancesOnSleep: true)
        let calls = Mutex(0)
        var options = DispatchOptions(maxConcurrency: 1, checkpointGrace: .seconds(60))
        options.randomSeed = 3
        let message = "open .sdp/logs/F1/a.log: Not a directory (errno 20)"
        let report = await Dispatcher(
            graph: try graph([ws("a"), ws("b", ["a"])]), options: options, clock: time, wallClock: { time.date }
        )
        .run { _, _ in
            calls.withLock { $0 += 1 }
            throw InfrastructureError(message, lasting: true)
        }
        #expect(report.status == .infrastructureFailed)
        #expect(report.lastingLaunchError == "a attempt 1 could not be started: \(message)")
        #expect(calls.withLock { $0 } == 1)
        #expect(time.requested.isEmpty, "no retry waited for")
        #expect(report.results.map(\.state) == [.notRun, .notRun])
    }
}
