import Dispatch

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Delivers SIGINT, SIGTERM and the like as an `AsyncStream` instead of running a C handler.
///
/// A handler of its own (`SignalRelay`) writes each signal's number to a pipe, which a thread
/// reads and hands to the streams watching that signal; installed with `sigaction` before
/// ``signals(_:restoringDispositions:)`` returns, so no signal sent after the call is lost.
/// Children started by ``ChildProcess`` get default dispositions back.
public enum SignalWatcher {
    /// Unblocks `signals` for the calling thread. A parent may have started oneshot with them
    /// blocked (Foundation's `Process` does), in which case they would never be delivered.
    /// Call it first thing on the main thread.
    public static func unblock(_ signals: [Int32]) {
        var set = sigset_t()
        sigemptyset(&set)
        for number in signals { sigaddset(&set, number) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// A stream of the signal numbers received, for as long as it is iterated.
    ///
    /// - Parameters:
    ///   - signals: the signals to watch, e.g. `[SIGINT, SIGTERM]`.
    ///   - restoringDispositions: whether a signal gets back the disposition it had before once
    ///     no stream watches it any more: an embedding harness wants its Ctrl-C back. The CLI,
    ///     which keeps its handler, loses no signal between two phases of a run (verifying
    ///     uncertain work, then the run): one that arrives while no stream watches it goes to
    ///     the next stream that watches it.
    /// - Returns: the stream; ending it (cancelling the task that iterates it) stops the watch.
    public static func signals(_ signals: [Int32], restoringDispositions: Bool = true) -> AsyncStream<Int32> {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        guard let relay = SignalRelay.shared else {
            continuation.finish()
            return stream
        }
        let token = relay.watch(Set(signals)) { continuation.yield($0) }
        continuation.onTermination = { _ in relay.unwatch(token, restoringDispositions: restoringDispositions) }
        return stream
    }
}
