import Foundation
import Testing

/// The live status line on a real pty (#14): skipped is not failed, the line fits the terminal
/// and follows its resizes (SIGWINCH), and a stopping run says what it waits for and keeps
/// ticking instead of freezing.
@Suite(.timeLimit(.minutes(2))) struct LiveStatusTerminalTests {
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
                run: "trap '' TERM; touch a-started; read _ < go || :")
            try project.gate("go")
            try project.workstream("F1", "b", run: "exit 1")
            try project.workstream("F1", "c", depends: ["b"], run: "true")
            let session = try TerminalSession(
                ["F1", "--no-breaker", "--grace", "3s"], in: project.path,
                environment: ["CI": nil, "COLUMNS": nil, "NO_COLOR": "1", "TERM": "xterm"], columns: 200)
            #expect(
                await session.until {
                    statusLines($0).last?.hasPrefix("0/3 done · 1 running · 1 failed · 1 skipped · 0 pending")
                        == true
                }, "\(session.output())")

            session.resize(columns: 30)
            #expect(
                await session.until { statusLines($0).contains { $0.count == 29 && $0.hasSuffix("…") } },
                "SIGWINCH redraws at the new width: \(statusLines(session.output()).suffix(3))")

            session.resize(columns: 200)
            kill(session.pid, SIGINT)
            let stopping = "stopping: waiting for 1 workstream (grace 3.00s) · "
            #expect(
                await session.until { Set(statusLines($0).filter { $0.hasPrefix(stopping) }).count >= 2 },
                "the line keeps ticking during the grace: \(statusLines(session.output()).suffix(3))")
            #expect(try await session.finish() == 130)
        }
    #endif
}
