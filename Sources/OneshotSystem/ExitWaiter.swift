import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One thread that learns the exits of the children ``ChildProcess`` waits for where pidfds do
/// not work (macOS, an older kernel): blocked in `waitid(P_ALL, WEXITED | WNOWAIT)`, it reaps
/// nothing — a pid stays reserved by its zombie until its owner reaps it — instead of a thread
/// per child blocked in `waitid(P_PID)`.
///
/// `waitid(P_ALL)` reports the first zombie among this process's children, again and again
/// until someone reaps it. So:
/// - A watched child's exit is reported to its owner once (``watch(_:onExit:)``); the waiter
///   then waits for the owner to reap it (``forget(_:)`` wakes it) before it looks again.
/// - A zombie it does not watch (a child the embedding process, a Foundation `Process` or the
///   subreaper will reap, or one a ``ChildProcess`` is reaping with `waitpid`) is never reaped
///   here: while it hides the others, each watched child is asked on its own
///   (`waitid(P_PID, WNOHANG | WNOWAIT)`) every 10 ms until that zombie is gone.
/// - `ECHILD` (no child at all: an embedding process reaped them with `waitpid(-1)`) ends every
///   watch; the owner's reap then finds the status taken.
public final class ExitWaiter: Sendable {
    /// The process-wide waiter; `nil` when its pipe could not be made (no descriptor left).
    public static let shared: ExitWaiter? = try? ExitWaiter()

    /// How often watched children are asked one by one while a zombie no one here watches
    /// hides them from `waitid(P_ALL)`.
    static let lookAgain = Duration.milliseconds(10)

    private struct State {
        var watches: [pid_t: @Sendable () -> Void] = [:]
        /// Reported children their owners have not reaped yet.
        var reported: Set<pid_t> = []
        var started = false
    }

    private let state = Mutex(State())
    private let wakeRead: Int32
    private let wakeWrite: Int32

    private init() throws(SystemError) {
        (wakeRead, wakeWrite) = try Syscall.pipe(nonBlocking: [.read, .write])
    }

    /// Calls `onExit` on the waiter's thread once the child `pid` has exited, leaving it a zombie
    /// for the caller to reap, who must then call ``forget(_:)``. `onExit` must be quick.
    public func watch(_ pid: pid_t, onExit: @escaping @Sendable () -> Void) {
        let start = state.withLock { state in
            state.watches[pid] = onExit
            defer { state.started = true }
            return !state.started
        }
        if start { NamedThread.start("oneshot.wait", stackSize: 64 * 1024) { [self] in run() } }
        wake()
    }

    /// Says that `pid` has been reaped (or will not be waited for any more): the waiter may look
    /// past it.
    public func forget(_ pid: pid_t) {
        let wasReported = state.withLock { state in
            state.watches[pid] = nil
            return state.reported.remove(pid) != nil
        }
        if wasReported { wake() }
    }

    /// Whether `pid` is watched or reported and not yet forgotten (for tests).
    func isTracking(_ pid: pid_t) -> Bool {
        state.withLock { $0.watches[pid] != nil || $0.reported.contains(pid) }
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = Glibc_write(wakeWrite, &byte, 1)
    }

    private func run() {
        var drain = [UInt8](repeating: 0, count: 64)
        while true {
            let idle = state.withLock { $0.watches.isEmpty }
            if idle {
                pause(nil, &drain)
                continue
            }
            switch Result(catching: { () throws(SystemError) in try Syscall.waitForAnyExitWithoutReaping() }) {
            case .success(let pid):
                if !report(pid) {
                    reportEachExited()
                    pause(Self.lookAgain, &drain)
                }
            case .failure(let error) where error.errno == ECHILD:
                // No child left to wait for: whoever reaped them took the statuses.
                let ended = state.withLock { state in
                    defer { state.watches.removeAll() }
                    return Array(state.watches.values)
                }
                ended.forEach { $0() }
            case .failure:
                pause(Self.lookAgain, &drain)
            }
        }
    }

    /// Reports `pid`'s exit to its watcher. Returns `false` when `pid` is not watched (reported
    /// already and not yet reaped, or not ours to watch): its zombie hides the others.
    private func report(_ pid: pid_t) -> Bool {
        let onExit = state.withLock { state -> (@Sendable () -> Void)? in
            guard let onExit = state.watches.removeValue(forKey: pid) else { return nil }
            state.reported.insert(pid)
            return onExit
        }
        onExit?()
        return onExit != nil
    }

    /// Asks each watched child on its own whether it has exited, and reports those that have.
    private func reportEachExited() {
        let pids = state.withLock { Array($0.watches.keys) }
        for pid in pids where Syscall.hasExited(pid) { _ = report(pid) }
    }

    /// Waits until ``wake()`` or `timeout` (`nil`: no limit), then empties the pipe.
    private func pause(_ timeout: Duration?, _ drain: inout [UInt8]) {
        var descriptors = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        Syscall.poll(&descriptors, timeout: timeout)
        while Glibc_read(wakeRead, &drain, drain.count) > 0 {}
    }
}
