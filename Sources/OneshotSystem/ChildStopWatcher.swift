import Foundation
import Synchronization

/// Notices a child process that has been stopped (SIGSTOP) instead of waiting for its exit
/// forever: pidfds and `waitid(WEXITED)` report exits only, and a stopped command would keep its
/// slot "running" for good.
///
/// ``install()`` sets a SIGCHLD handler that only writes a byte to a pipe; a thread of its own
/// reads the pipe and asks each watched child, with `waitid(WSTOPPED | WNOHANG | WNOWAIT)`
/// (which reaps nothing), whether it is stopped. ``ChildProcess`` registers every child it waits
/// for and ends a stopped one's group. Commands start without a controlling terminal, and their
/// process group is orphaned, so SIGTSTP, SIGTTIN and SIGTTOU cannot stop them; SIGSTOP can.
/// Only oneshot's own children are seen: a stopped grandchild sends its SIGCHLD to its parent.
///
/// The handler writes the pid the signal names: a SIGCHLD from a child no ``ChildProcess`` owns
/// (a process re-parented to oneshot as ``Subreaper``) has that child reaped, so it leaves no
/// zombie; so does one whose SIGCHLD merged with another's (see ``Subreaper``).
public final class ChildStopWatcher: Sendable {
    /// The process-wide watcher, once ``install()`` has succeeded.
    public static var shared: ChildStopWatcher? {
        installed.withLock { $0 }
    }

    private static let installed = Mutex<ChildStopWatcher?>(nil)

    private struct Watch {
        var token: Int
        var onStop: @Sendable (Int32) -> Void
    }
    private struct State {
        var nextToken = 0
        var watches: [pid_t: Watch] = [:]
    }
    private let state = Mutex(State())

    private init() {}

    /// Installs the SIGCHLD handler and starts the watcher's thread; later calls do nothing.
    ///
    /// The corresponding C function is `sigaction`. A SIGCHLD handler the process already has
    /// (an embedding harness's) is left alone, and then stops are not watched.
    ///
    /// - Returns: whether stops are watched.
    @discardableResult
    public static func install() -> Bool {
        installed.withLock { installed in
            if installed != nil { return true }
            guard !SignalWatcher.hasHandler(SIGCHLD) else { return false }
            // The handler must never block.
            guard let ends = try? Syscall.pipe(nonBlocking: .write) else { return false }
            childSignalWakeFD.store(ends.write, ordering: .releasing)
            let watcher = ChildStopWatcher()
            watcher.startThread(reading: ends.read)
            var action = sigaction()
            sigemptyset(&action.sa_mask)
            #if canImport(Darwin)
                action.__sigaction_u.__sa_sigaction = wakeOnChildSignal
            #else
                action.__sigaction_handler.sa_sigaction = wakeOnChildSignal
            #endif
            action.sa_flags = Int32(SA_RESTART | SA_SIGINFO)
            sigaction(SIGCHLD, &action, nil)
            installed = watcher
            return true
        }
    }

    /// Calls `onStop` with the signal that stopped `pid`, once, if it is stopped while watched.
    ///
    /// - Returns: a token for ``unwatch(_:token:)``.
    func watch(_ pid: pid_t, onStop: @escaping @Sendable (Int32) -> Void) -> Int {
        let token = state.withLock { state in
            state.nextToken += 1
            state.watches[pid] = Watch(token: state.nextToken, onStop: onStop)
            return state.nextToken
        }
        // It may have stopped before it was watched: its SIGCHLD has come and gone.
        check(pid)
        return token
    }

    /// Stops watching `pid`, unless its pid now belongs to a newer watch.
    func unwatch(_ pid: pid_t, token: Int) {
        state.withLock { state in
            if state.watches[pid]?.token == token { state.watches[pid] = nil }
        }
    }

    private func startThread(reading fd: Int32) {
        NamedThread.readingPipe("oneshot.stops", fd, of: pid_t.self) { [self] pids in
            let watched = state.withLock { $0.watches }
            Subreaper.reapZombies(named: pids.filter { watched[$0] == nil })
            watched.keys.forEach(check)
        }
    }

    private func check(_ pid: pid_t) {
        guard let signal = Syscall.stopSignal(of: pid) else { return }
        let watch = state.withLock { $0.watches.removeValue(forKey: pid) }
        watch?.onStop(signal)
    }
}

/// The pipe's write end, read by the signal handler: an atomic, as a handler may take no lock.
private let childSignalWakeFD = Atomic<Int32>(-1)

/// Async-signal-safe: one `write` of the pid the signal names, `errno` preserved.
private func wakeOnChildSignal(_: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _: UnsafeMutableRawPointer?) {
    let saved = errno
    let fd = childSignalWakeFD.load(ordering: .acquiring)
    if fd >= 0 {
        #if canImport(Darwin)
            var pid = info?.pointee.si_pid ?? 0
        #else
            var pid = info?.pointee._sifields._sigchld.si_pid ?? 0
        #endif
        // Raw `write`, not `Syscall`: async-signal-safe (see `Syscall`, the one exception).
        _ = write(fd, &pid, MemoryLayout<pid_t>.size)
    }
    errno = saved
}
