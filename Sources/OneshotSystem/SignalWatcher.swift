import Dispatch

/// Delivers SIGINT, SIGTERM and the like as an `AsyncStream` instead of running a C handler.
///
/// Creating the stream sets the signals' disposition to "ignore" so that the default action
/// (terminating the process) does not run, and a `DispatchSource` reports each delivery.
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
    /// - Parameter signals: the signals to watch, e.g. `[SIGINT, SIGTERM]`.
    public static func signals(_ signals: [Int32]) -> AsyncStream<Int32> {
        AsyncStream { continuation in
            let queue = DispatchQueue(label: "oneshot.signals")
            let sources = signals.map { number in
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler { continuation.yield(number) }
                source.resume()
                return source
            }
            let owned = OwnedSources(sources)
            continuation.onTermination = { _ in owned.cancelAll() }
        }
    }
}

/// Dispatch sources are thread-safe; this box lets the stream's termination handler cancel them.
private final class OwnedSources: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(_ sources: [any DispatchSourceSignal]) {
        self.sources = sources
    }

    func cancelAll() {
        sources.forEach { $0.cancel() }
    }
}
