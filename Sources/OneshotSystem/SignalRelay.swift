import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The write end of the relay's pipe, for the signal handler (which can only touch atomics).
private let relayWriteFD = Atomic<Int32>(-1)

/// The process-wide receiver of the signals ``SignalWatcher`` streams watch.
///
/// Its handler only writes the signal's number to a pipe (async-signal-safe); a thread of its
/// own reads the pipe and calls the watchers of that signal. A signal's handler is installed when
/// its first watcher starts, its earlier disposition kept, and restored when its last watcher
/// ends if that watcher asks for it. (libdispatch's signal sources, used before, install a
/// handler once per process and never restore nor reinstall it.)
final class SignalRelay: Sendable {
    /// The relay, or `nil` when its pipe could not be made (no descriptor left).
    static let shared: SignalRelay? = {
        guard let ends = try? Syscall.pipe(nonBlocking: .write) else { return nil }
        relayWriteFD.store(ends.write, ordering: .releasing)
        let relay = SignalRelay()
        relay.startThread(reading: ends.read)
        return relay
    }()

    private struct Watcher {
        var signals: Set<Int32>
        var deliver: @Sendable (Int32) -> Void
    }
    private struct State {
        var nextToken = 0
        var watchers: [Int: Watcher] = [:]
        /// Per handled signal: its disposition before the relay's handler.
        var previous: [Int32: sigaction] = [:]
        /// Signals received while their handler was installed but no stream watched them (between
        /// two phases of a run), in order: the next watcher of each gets it.
        var pending: [Int32] = []
    }
    private let state = Mutex(State())

    private init() {}

    /// Calls `deliver` on the relay's thread with each of `signals` received from now on.
    ///
    /// - Returns: a token for ``unwatch(_:restoringDispositions:)``.
    /// A signal received since its last watcher ended (its handler kept) is delivered at once.
    func watch(_ signals: Set<Int32>, deliver: @escaping @Sendable (Int32) -> Void) -> Int {
        let (token, missed) = state.withLock { state in
            for number in signals where state.previous[number] == nil {
                state.previous[number] = install(number)
            }
            state.nextToken += 1
            state.watchers[state.nextToken] = Watcher(signals: signals, deliver: deliver)
            let missed = state.pending.filter(signals.contains)
            state.pending.removeAll(where: signals.contains)
            return (state.nextToken, missed)
        }
        missed.forEach(deliver)
        return token
    }

    /// Ends the watch of `token`; with `restoringDispositions`, a signal no other watch wants
    /// gets its earlier disposition back.
    func unwatch(_ token: Int, restoringDispositions: Bool) {
        state.withLock { state in
            guard let ended = state.watchers.removeValue(forKey: token), restoringDispositions else { return }
            let stillWatched = state.watchers.values.reduce(into: Set<Int32>()) { $0.formUnion($1.signals) }
            for number in ended.signals.subtracting(stillWatched) {
                guard var previous = state.previous.removeValue(forKey: number) else { continue }
                sigaction(number, &previous, nil)
            }
        }
    }

    /// Installs the relay's handler for `number`; returns the disposition it replaces.
    private func install(_ number: Int32) -> sigaction {
        var previous = sigaction()
        var action = sigaction()
        sigemptyset(&action.sa_mask)
        #if canImport(Darwin)
            action.__sigaction_u.__sa_handler = relaySignal
        #else
            action.__sigaction_handler.sa_handler = relaySignal
        #endif
        // Calls interrupted by the signal resume instead of failing with EINTR.
        action.sa_flags = Int32(SA_RESTART)
        sigaction(number, &action, &previous)
        return previous
    }

    private func startThread(reading fd: Int32) {
        NamedThread.readingPipe("oneshot.signals", fd, of: UInt8.self) { [self] numbers in
            for number in numbers.map(Int32.init) {
                let watchers = state.withLock { state in
                    let watchers = state.watchers.values.filter { $0.signals.contains(number) }
                    if watchers.isEmpty && state.previous[number] != nil { state.pending.append(number) }
                    return watchers
                }
                watchers.forEach { $0.deliver(number) }
            }
        }
    }
}

/// The handler: one byte, the signal's number, to the relay's pipe. A full pipe (a storm of
/// signals nobody reads yet) drops the byte: the pending ones already say the same.
private func relaySignal(_ number: Int32) {
    let saved = errno
    let fd = relayWriteFD.load(ordering: .acquiring)
    if fd >= 0 {
        var byte = UInt8(truncatingIfNeeded: number)
        // Raw `write`, not `Syscall`: async-signal-safe (see `Syscall`, the one exception).
        _ = write(fd, &byte, 1)
    }
    errno = saved
}
