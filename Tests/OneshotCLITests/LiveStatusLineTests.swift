import Foundation
import Testing

@testable import OneshotCLI

/// The live status line's text and ETA (#14): skipped is not failed, the line is cut to the
/// width, the ETA waits for the breaker. On a real terminal: ``LiveStatusTerminalTests``.
@Suite(.timeLimit(.minutes(2))) struct LiveStatusLineTests {
    @Test func theETAWaitsForTheBreakerAndLearnsOnlyFromSuccesses() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        var line = StatusLine(durations: ["a": 10, "b": 30], jobs: 2)
        line.total = 4
        #expect(line.eta(now: now) == .seconds(40), "4 × 20 s over 2 slots")
        line.breakerUntil = now.addingTimeInterval(60)
        #expect(line.eta(now: now) == .seconds(100), "nothing starts before the probe")
        #expect(line.text(elapsed: .seconds(1), now: now, width: 200).contains("breaker open, probe in 1m00s · ETA ~1m40s"))
        line.breakerUntil = now.addingTimeInterval(-1)
        #expect(line.eta(now: now) == .seconds(40), "a wait that is over adds nothing")
    }

    @Test func skippedIsNotFailedAndTheLineIsCutToTheWidth() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        var line = StatusLine(durations: [:], jobs: 3)
        line.total = 13
        line.done = 10
        line.running = 1
        line.failed = 1
        line.skipped = 1
        let full = line.text(elapsed: .seconds(2), now: now, width: 200)
        #expect(full == "10/13 done · 1 running · 1 failed · 1 skipped · 0 pending · 2.00s")
        let cut = line.text(elapsed: .seconds(2), now: now, width: 30)
        #expect(cut == "10/13 done · 1 running · 1 f…")
        #expect(cut.count == 29)
        line.stopping = .seconds(5)
        #expect(
            line.text(elapsed: .seconds(2), now: now, width: 200) == "stopping: waiting for 1 workstream (grace 5.00s) · 2.00s")
        line.stopping = .zero
        #expect(line.text(elapsed: .seconds(2), now: now, width: 200) == "stopping: killing 1 workstream · 2.00s")
    }
}
