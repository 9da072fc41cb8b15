import Foundation
import OneshotDispatch
import OneshotTestSupport
import OneshotWorkstreams
import Testing

/// The run's timers on a ``ManualClock``: time moves only when the test advances it, so each
/// timer is seen waiting, not firing early, and firing when due — no real sleep.
@Suite(.timeLimit(.minutes(3))) struct ManualClockDispatchTests {
    @Test func anOutcomeNothingWaitsOnIsCommittedWhenTheCommitTimerFires() async throws {
        // a and b are independent, one slot: a's completion makes nothing ready, so only the
        // timer commits it; b runs until the test lets it end.
        let clock = ManualClock()
        let journal = RecordingJournal()
        let bMayEnd = Gate()
        let options = DispatchOptions(maxConcurrency: 1, breaker: nil, commitDelay: .milliseconds(20))
        let dispatcher = Dispatcher(
            graph: try graph([ws("a"), ws("b")]), options: options, journal: journal, clock: clock,
            wallClock: { clock.date })
        async let report = dispatcher.run { workstream, _ in
            if workstream.id == "b" { await bMayEnd.wait() }
            return .success
        }
        await clock.sleepers(1)
        #expect(clock.requested == [.milliseconds(20)])
        clock.advance(by: .milliseconds(19))
        #expect(clock.sleeping == 1, "the timer waits its full delay")
        #expect(!journal.log.all.contains("commit 1 begins"))
        clock.advance(by: .milliseconds(1))
        await journal.firstCommitEnded.wait()
        #expect(journal.attemptsPerCommit == [1])
        bMayEnd.open()
        #expect(await report.status == .succeeded)
        #expect(journal.attemptsPerCommit == [1, 1])
        #expect(clock.requested == [.milliseconds(20)], "b's commit is due at once: the run is ending")
    }

    @Test func aFullDiskIsRetriedAfter250ThenAfter500Milliseconds() async throws {
        let clock = ManualClock()
        let journal = DiskFullJournal(full: true)
        let options = DispatchOptions(maxConcurrency: 1, breaker: nil, checkpointGrace: .seconds(60))
        let dispatcher = Dispatcher(
            graph: try graph([ws("a")]), options: options, journal: journal, clock: clock, wallClock: { clock.date })
        async let report = dispatcher.run { _, _ in .success }
        await clock.sleepers(1)
        #expect(journal.log.all == ["refused a"])
        clock.advance(by: .milliseconds(249))
        #expect(clock.sleeping == 1)
        clock.advance(by: .milliseconds(1))
        // The retried commit writes nothing either: the next wait is twice as long.
        await clock.sleepers(1)
        #expect(journal.log.all == ["refused a", "commit unwritten"])
        #expect(clock.requested == [.milliseconds(250), .milliseconds(500)])
        journal.full = false
        clock.advance(by: .milliseconds(500))
        #expect(await report.status == .succeeded)
        #expect(journal.log.all == ["refused a", "commit unwritten", "commit ", "start a", "commit a"])
    }
}
