import Foundation
import OneshotBreaker
import OneshotWorkstreams
import Testing

@testable import OneshotDispatch

/// The group commit on its own: every event of ``CommitPipeline`` and the action it returns.
@Suite struct CommitPipelineTests {
    private let start = Date(timeIntervalSince1970: 1_800_000_000)

    private func pipeline(grace: Duration = .seconds(60)) -> CommitPipeline {
        CommitPipeline(commitDelay: .milliseconds(20), grace: grace)
    }

    private func finished(_ id: String, final: Bool = true) -> JournalEntry {
        .attemptFinished(AttemptReport(id: id, attempt: 1, status: .succeeded, duration: .zero), final: final)
    }

    /// A pipeline with `node`'s success recorded and flushed.
    private func withCompletion(_ node: Int, id: String, grace: Duration = .seconds(60)) -> CommitPipeline {
        var pipeline = pipeline(grace: grace)
        pipeline.recorded(finished(id))
        pipeline.completionRecorded(node)
        _ = pipeline.flush()
        return pipeline
    }

    @Test func aStepsEntriesAreWrittenInOneRecordAndAreThenUncommitted() {
        var pipeline = pipeline()
        #expect(pipeline.flush() == nil)
        pipeline.recorded(finished("a"))
        pipeline.recorded(.skipped(id: "b", blockedBy: "a"))
        #expect(!pipeline.isSettled)
        #expect(pipeline.flush() == [finished("a"), .skipped(id: "b", blockedBy: "a")])
        #expect(pipeline.flush() == nil)
        #expect(pipeline.uncommitted)
        #expect(pipeline.unrecorded == ["a"])
        #expect(!pipeline.isSettled)
    }

    @Test func anUrgentCompletionIsCommittedAtOnce() {
        var pipeline = withCompletion(3, id: "a")
        #expect(pipeline.stepEnded(enables: 0, urgent: true, ending: false) == .startCommit(breaker: nil))
        #expect(pipeline.commit == .running(released: [3], enables: 0, covering: ["a"]))
        #expect(pipeline.completions.isEmpty)
        #expect(!pipeline.uncommitted)
    }

    @Test func anOutcomeNothingWaitsOnArmsTheTimerOnceAndIsCommittedWhenItFires() {
        var pipeline = withCompletion(3, id: "a")
        #expect(pipeline.stepEnded(enables: 5, urgent: false, ending: false) == .armTimer(after: .milliseconds(20)))
        #expect(pipeline.timer == .armed)
        pipeline.recorded(finished("b"))
        _ = pipeline.flush()
        #expect(pipeline.stepEnded(enables: 5, urgent: false, ending: false) == .none, "one timer at a time")
        pipeline.timerFired()
        #expect(pipeline.stepEnded(enables: 5, urgent: false, ending: false) == .startCommit(breaker: nil))
        #expect(pipeline.timer == .idle)
        #expect(pipeline.commit == .running(released: [3], enables: 5, covering: ["a", "b"]))
    }

    @Test func anEndingRunCommitsAtOnce() {
        var pipeline = withCompletion(0, id: "a")
        #expect(pipeline.stepEnded(enables: nil, urgent: false, ending: true) == .startCommit(breaker: nil))
    }

    @Test func nothingUncommittedStartsNoCommitNorTimer() {
        var pipeline = pipeline()
        #expect(pipeline.stepEnded(enables: nil, urgent: false, ending: true) == .none)
        pipeline.timerFired()
        #expect(pipeline.stepEnded(enables: nil, urgent: false, ending: false) == .none)
        #expect(pipeline.isSettled)
    }

    @Test func oneCommitAtATimeAndWhatIsRecordedMeanwhileGoesIntoTheNext() {
        var pipeline = withCompletion(1, id: "a")
        #expect(pipeline.stepEnded(enables: 0, urgent: true, ending: false) == .startCommit(breaker: nil))
        pipeline.recorded(finished("b"))
        pipeline.completionRecorded(2)
        _ = pipeline.flush()
        #expect(pipeline.stepEnded(enables: 4, urgent: true, ending: true) == .none)
        #expect(pipeline.commitFinished(.durable, now: start) == .release([1]))
        #expect(pipeline.unrecorded == ["b"], "b's outcome is not covered by the commit that began before it")
        #expect(pipeline.stepEnded(enables: 4, urgent: true, ending: false) == .startCommit(breaker: nil))
        #expect(pipeline.commitFinished(.durable, now: start) == .release([2]))
        #expect(pipeline.unrecorded.isEmpty)
        #expect(pipeline.isSettled)
    }

    @Test func completionsWrittenBeforeTheCommitsFsyncAreReleasedWithIt() {
        // a's commit begins after record call 1; b (call 2) and c (call 3) are recorded while it
        // runs, and its fsync began after call 2 was written.
        var pipeline = pipeline()
        pipeline.recorded(finished("a"))
        pipeline.completionRecorded(1)
        _ = pipeline.flush(call: 1)
        #expect(pipeline.stepEnded(enables: 0, urgent: true, ending: false) == .startCommit(breaker: nil))
        pipeline.recorded(finished("b"))
        pipeline.completionRecorded(2)
        _ = pipeline.flush(call: 2)
        pipeline.recorded(finished("c"))
        pipeline.completionRecorded(3)
        _ = pipeline.flush(call: 3)
        #expect(pipeline.commitFinished(.durable, now: start, durableThrough: 2) == .release([1], covered: [2]))
        #expect(pipeline.completions == [3], "c was written after the fsync began: it awaits the next commit")
        #expect(pipeline.uncommitted)
        #expect(pipeline.stepEnded(enables: 1, urgent: true, ending: false) == .startCommit(breaker: nil))
        #expect(pipeline.commitFinished(.durable, now: start, durableThrough: 3) == .release([3]))
        #expect(pipeline.isSettled)
    }

    @Test func aCommitThatCoveredEverythingRecordedLeavesNothingToCommit() {
        var pipeline = withCompletion(1, id: "a")
        _ = pipeline.stepEnded(enables: 0, urgent: true, ending: false)
        pipeline.recorded(finished("b"))
        pipeline.completionRecorded(2)
        pipeline.recorded(.skipped(id: "c", blockedBy: "x"))
        _ = pipeline.flush(call: 2)
        #expect(pipeline.commitFinished(.durable, now: start, durableThrough: 2) == .release([1], covered: [2]))
        #expect(!pipeline.uncommitted)
        #expect(pipeline.unrecorded.isEmpty)
        #expect(pipeline.isSettled, "no second commit for what the first one's fsync wrote")
        #expect(pipeline.stepEnded(enables: nil, urgent: false, ending: true) == .none)
    }

    @Test func onlyADurableCommitReleasesWhatWasRecordedWhileItRan() {
        for result in [JournalCommitResult.failed(message: "snapshot", stopRun: false), .unwritten(message: "ENOSPC")] {
            var pipeline = withCompletion(1, id: "a")
            _ = pipeline.stepEnded(enables: 0, urgent: true, ending: false)
            pipeline.recorded(finished("b"))
            pipeline.completionRecorded(2)
            _ = pipeline.flush(call: 2)
            let action = pipeline.commitFinished(result, now: start, durableThrough: 2)
            #expect(action != .release([1], covered: [2]), "\(result)")
            #expect(pipeline.completions.contains(2), "\(result)")
            #expect(pipeline.uncommitted, "\(result)")
        }
    }

    @Test func aJournalThatCannotTellReleasesOnlyTheCommitsOwnCompletions() {
        var pipeline = withCompletion(1, id: "a")
        _ = pipeline.stepEnded(enables: 0, urgent: true, ending: false)
        pipeline.recorded(finished("b"))
        pipeline.completionRecorded(2)
        _ = pipeline.flush(call: 2)
        #expect(pipeline.commitFinished(.durable, now: start, durableThrough: nil) == .release([1]))
        #expect(pipeline.completions == [2])
    }

    @Test func aFreeSlotWaitsForTheBestRankACommitWillMakeReady() {
        var pipeline = withCompletion(1, id: "a")
        #expect(pipeline.awaitedRank == nil)
        _ = pipeline.stepEnded(enables: 7, urgent: true, ending: false)
        #expect(pipeline.awaitedRank == 7)
        pipeline.completionRecorded(2)
        _ = pipeline.stepEnded(enables: 3, urgent: true, ending: false)
        #expect(pipeline.awaitedRank == 3)
        _ = pipeline.stepEnded(enables: 9, urgent: false, ending: false)
        #expect(pipeline.awaitedRank == 7)
        _ = pipeline.commitFinished(.durable, now: start)
        #expect(pipeline.awaitedRank == 9)
    }

    @Test func theBreakersLatestStateGoesIntoTheNextCommit() {
        var pipeline = pipeline()
        var breaker = CircuitBreaker()
        let first = breaker.saved
        pipeline.breakerChanged(first)
        #expect(!pipeline.isSettled)
        if case .admitted(let permit) = breaker.admit(now: start) {
            _ = breaker.record(permit, failed: true, name: "a", now: start)
        }
        pipeline.breakerChanged(breaker.saved)
        #expect(pipeline.stepEnded(enables: nil, urgent: false, ending: true) == .startCommit(breaker: breaker.saved))
        _ = pipeline.commitFinished(.durable, now: start)
        #expect(pipeline.isSettled)
    }

    @Test func aFailedCommitReleasesItsCompletionsAndMayStopTheRun() {
        var warned = withCompletion(1, id: "a")
        _ = warned.stepEnded(enables: nil, urgent: false, ending: true)
        #expect(warned.commitFinished(.failed(message: "snapshot", stopRun: false), now: start) == .release([1]))
        #expect(!warned.stopsRun)
        var stopped = withCompletion(1, id: "a")
        _ = stopped.stepEnded(enables: nil, urgent: false, ending: true)
        #expect(stopped.commitFinished(.failed(message: "journal", stopRun: true), now: start) == .release([1]))
        #expect(stopped.stopsRun)
    }

    @Test func anUnwrittenCommitKeepsItsCompletionsAndRetriesOnlyWhenTheRetryTimerFires() {
        var pipeline = withCompletion(1, id: "a")
        _ = pipeline.stepEnded(enables: 0, urgent: true, ending: false)
        pipeline.completionRecorded(2)
        #expect(
            pipeline.commitFinished(.unwritten(message: "ENOSPC"), now: start)
                == .unwritable(.retry(after: .milliseconds(250), since: start, armTimer: true)))
        #expect(pipeline.completions == [1, 2], "the unwritten completions wait first in line")
        #expect(pipeline.unrecorded == ["a"])
        #expect(pipeline.recovering)
        #expect(!pipeline.isSettled)
        #expect(pipeline.stepEnded(enables: 0, urgent: true, ending: true) == .none, "no busy loop on a full disk")
        pipeline.retryTimerFired(cancelled: false)
        #expect(pipeline.stepEnded(enables: 0, urgent: false, ending: false) == .startCommit(breaker: nil))
        #expect(pipeline.commitFinished(.durable, now: start + 0.25) == .release([1, 2]))
        #expect(!pipeline.recovering)
        #expect(pipeline.health == .writable)
        #expect(pipeline.isSettled)
    }

    @Test func aRefusedStartRecordIsRetriedEvenWithNothingUncommitted() {
        var pipeline = pipeline()
        #expect(pipeline.journalUnwritable(now: start) == .retry(after: .milliseconds(250), since: start, armTimer: true))
        #expect(pipeline.journalUnwritable(now: start) == .retry(after: .milliseconds(500), since: start, armTimer: false))
        #expect(pipeline.stepEnded(enables: nil, urgent: false, ending: false) == .none)
        pipeline.retryTimerFired(cancelled: false)
        #expect(pipeline.stepEnded(enables: nil, urgent: false, ending: false) == .startCommit(breaker: nil))
    }

    @Test func retriesBackOffFrom250MillisecondsDoublingTo5Seconds() {
        var pipeline = pipeline()
        var delays: [Duration] = []
        var now = start
        for _ in 0..<8 {
            guard case .retry(let delay, let since, _) = pipeline.journalUnwritable(now: now) else {
                Issue.record("stopped before the grace period")
                return
            }
            #expect(since == start, "the grace period counts from the first failure")
            delays.append(delay)
            now += delay.inSeconds
            pipeline.retryTimerFired(cancelled: false)
        }
        #expect(delays == [250, 500, 1_000, 2_000, 4_000, 5_000, 5_000, 5_000].map { .milliseconds($0) })
    }

    @Test func theLastRetryWaitsOnlyWhatIsLeftOfTheGracePeriodThenTheRunStops() {
        var pipeline = pipeline(grace: .seconds(2))
        var delays: [Duration] = []
        var now = start
        while case .retry(let delay, _, _) = pipeline.journalUnwritable(now: now) {
            delays.append(delay)
            now += delay.inSeconds
        }
        #expect(delays == [250, 500, 1_000, 250].map { .milliseconds($0) })
        #expect(pipeline.stopsRun)
        #expect(pipeline.health == .givenUp)
        #expect(!pipeline.recovering, "a run that gave up winds down")
        #expect(pipeline.journalUnwritable(now: now) == .none)
    }

    @Test func aWrittenCommitStartsTheBackoffAfresh() {
        var pipeline = withCompletion(1, id: "a")
        _ = pipeline.journalUnwritable(now: start)
        _ = pipeline.journalUnwritable(now: start + 0.25)
        pipeline.retryTimerFired(cancelled: false)
        _ = pipeline.stepEnded(enables: nil, urgent: false, ending: false)
        _ = pipeline.commitFinished(.durable, now: start + 1)
        #expect(
            pipeline.journalUnwritable(now: start + 90)
                == .retry(after: .milliseconds(250), since: start + 90, armTimer: true))
    }

    @Test func aCancelledRetryTimerEndsRetryingWithoutFailingTheJournal() {
        var pipeline = pipeline()
        _ = pipeline.journalUnwritable(now: start)
        pipeline.retryTimerFired(cancelled: true)
        #expect(pipeline.health == .givenUp)
        #expect(!pipeline.recovering)
        #expect(!pipeline.stopsRun)
        #expect(pipeline.journalUnwritable(now: start + 1) == .none)
    }
}
