import Foundation
import Testing

@testable import OneshotSystem

/// A second signal's kill switch. (A parent that ignores SIGCHLD is tested through the binary,
/// in `IgnoredChildSignalTests`: ignored here, it would have the kernel reap the children of every
/// test running at the same time.)
@Suite(.timeLimit(.minutes(3))) struct ChildProcessSignalTests {
    @Test(arguments: ChildProcessTests.Waiting.allCases)
    func throwingTheKillSwitchSkipsTheRestOfTheGrace(_ waiting: ChildProcessTests.Waiting) async throws {
        // Ignores SIGTERM: only SIGKILL ends it before the minute-long grace (and the suite's limit).
        let output = try ChildOutput("trap '' TERM; echo ready; sleep 300")
        defer { output.close() }
        let child = output.child
        let killSwitch = KillSwitch()
        let task = Task {
            await KillSwitch.$current.withValue(killSwitch) {
                await child.wait(terminationGrace: .seconds(60), monitor: waiting.monitor)
            }
        }
        #expect(await output.line() == "ready")
        task.cancel()
        killSwitch.throwSwitch()
        #expect(await task.value == .signaled(SIGKILL))
    }

    @Test func aSwitchThrownBeforeTheCancellationKillsAtOnce() async throws {
        let output = try ChildOutput("trap '' TERM; echo ready; sleep 300")
        defer { output.close() }
        let child = output.child
        #expect(await output.line() == "ready")
        let killSwitch = KillSwitch()
        killSwitch.throwSwitch()
        let task = Task {
            await KillSwitch.$current.withValue(killSwitch) { await child.wait(terminationGrace: .seconds(60)) }
        }
        task.cancel()
        #expect(await task.value == .signaled(SIGKILL))
    }
}

/// The signal stream an embedding harness uses.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SignalWatcherTests {
    /// SIGWINCH: its default action is to do nothing, so a signal that misses the watcher cannot
    /// end the test runner.
    @Test func aSignalSentAsSoonAsTheStreamIsReturnedIsDelivered() async throws {
        let signals = SignalWatcher.signals([SIGWINCH])
        kill(getpid(), SIGWINCH)
        var iterator = signals.makeAsyncIterator()
        #expect(await iterator.next() == SIGWINCH)
    }

    @Test func theEarlierDispositionIsBackOnceTheStreamEnds() async throws {
        let handler = handlerAddress(SIGWINCH)
        for _ in 0..<2 {
            do {
                let signals = SignalWatcher.signals([SIGWINCH])
                #expect(handlerAddress(SIGWINCH) != handler, "a handler is installed while watching")
                // Watched again after a restore: still delivered.
                kill(getpid(), SIGWINCH)
                var iterator = signals.makeAsyncIterator()
                #expect(await iterator.next() == SIGWINCH)
            }
            // The stream is gone: its watch has ended.
            #expect(handlerAddress(SIGWINCH) == handler, "the earlier disposition is back")
        }
    }

    private func handlerAddress(_ number: Int32) -> Int {
        var current = sigaction()
        sigaction(number, nil, &current)
        #if canImport(Darwin)
            return unsafeBitCast(current.__sigaction_u.__sa_handler, to: Int.self)
        #else
            return unsafeBitCast(current.__sigaction_handler.sa_handler, to: Int.self)
        #endif
    }
}

extension SignalWatcherTests {
    @Test func aSignalBetweenTwoWatchersThatKeepTheHandlerGoesToTheNextOne() async throws {
        do {
            let first = SignalWatcher.signals([SIGWINCH], restoringDispositions: false)
            kill(getpid(), SIGWINCH)
            var iterator = first.makeAsyncIterator()
            #expect(await iterator.next() == SIGWINCH)
        }
        // No stream watches SIGWINCH now, but its handler stays: the signal waits.
        kill(getpid(), SIGWINCH)
        let second = SignalWatcher.signals([SIGWINCH])
        var iterator = second.makeAsyncIterator()
        #expect(await iterator.next() == SIGWINCH)
    }
}
