import Foundation
import Testing

@testable import OneshotCLI

/// The live status line (#14): skipped is not failed, the line fits the terminal and follows
/// its resizes, the ETA waits for the breaker and learns only from successes, and a stopping
/// run says what it waits for instead of freezing.
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

    #if os(Linux)
        /// The status lines drawn so far: what follows each "erase line" up to the next one,
        /// when it holds no event line.
        private func statusLines(_ output: String) -> [String] {
            output.components(separatedBy: "\r\u{1B}[2K").filter { !$0.isEmpty && !$0.contains("\n") }
        }

        @Test func onATerminalTheLineFitsFollowsResizesAndKeepsTickingWhileStopping() async throws {
            let project = try TemporaryProject()
            try project.workstream(
                "F1", "a",
                run: "trap '' TERM; touch a-started; while [ ! -f go ]; do [ -d features ] || exit 9; sleep 0.05; done")
            try project.workstream("F1", "b", run: "exit 1")
            try project.workstream("F1", "c", depends: ["b"], run: "true")
            let session = try TerminalSession(
                ["F1", "--no-breaker", "--grace", "3s"], in: project.path,
                environment: ["CI": nil, "COLUMNS": nil, "NO_COLOR": "1", "TERM": "xterm"], columns: 200)
            #expect(
                try await eventually {
                    statusLines(session.output()).last?.hasPrefix("0/3 done · 1 running · 1 failed · 1 skipped · 0 pending")
                        == true
                }, "\(session.output())")

            session.resize(columns: 30)
            #expect(
                try await eventually { statusLines(session.output()).contains { $0.count == 29 && $0.hasSuffix("…") } },
                "SIGWINCH redraws at the new width: \(statusLines(session.output()).suffix(3))")

            session.resize(columns: 200)
            kill(session.pid, SIGINT)
            let stopping = "stopping: waiting for 1 workstream (grace 3.00s) · "
            #expect(
                try await eventually { Set(statusLines(session.output()).filter { $0.hasPrefix(stopping) }).count >= 2 },
                "the line keeps ticking during the grace: \(statusLines(session.output()).suffix(3))")
            #expect(try await session.finish() == 130)
        }
    #endif
}
