import Foundation
import Synchronization

/// Keeps what oneshot's commands start, even what escapes its attempt's process group, oneshot's
/// own: on Linux oneshot becomes a child subreaper (`PR_SET_CHILD_SUBREAPER`), so a process whose
/// parent dies — a double fork, a `setsid cmd &` whose shell exits — is re-parented to oneshot
/// instead of to init.
///
/// Such a process is then oneshot's child although ``ChildProcess`` never started it ("untracked").
/// It is attributed to its attempt by the environment it inherited (`ONESHOT_WS_ID`,
/// `ONESHOT_ATTEMPT`) and terminated when that attempt ends (``endEscapees(marked:grace:)``);
/// whatever is left when the run ends is terminated before oneshot exits (``endAll(grace:)``);
/// and its zombie is reaped when its SIGCHLD arrives (through ``ChildStopWatcher``) or at the next
/// attempt's end, so none piles up when oneshot is a container's pid 1.
///
/// A child ``ChildProcess`` tracks is never reaped here: there is no `waitpid(-1)`; a pid is
/// reaped only when it is not tracked, checked under the lock that ``ChildProcess`` holds from its
/// spawn to its registration, and released only after it has reaped the child.
public enum Subreaper {
    private struct State {
        /// The pids of children ``ChildProcess`` started and has not reaped yet (a count: a pid
        /// may be reused by a new child before the old one's owner has forgotten it).
        var tracked: [pid_t: Int] = [:]
        /// Untracked children being terminated, with the token of their pending SIGKILL.
        var terminating: [pid_t: Int] = [:]
        var nextToken = 0
    }
    private static let state = Mutex(State())
    private static let active = Atomic(false)
    /// `/proc/self/task/<pid>/children`, open for the run: where re-parented processes appear.
    private static let childrenFile = Atomic<Int32>(-1)

    /// Makes this process a child subreaper. Linux only; elsewhere it does nothing.
    ///
    /// The corresponding C function is `prctl(PR_SET_CHILD_SUBREAPER, 1)`. Only the CLI should
    /// call it: once active, children this process has not started through ``ChildProcess`` are
    /// terminated and reaped (an embedding harness's own children would be too).
    ///
    /// - Returns: whether this process is now a subreaper.
    @discardableResult
    public static func become() -> Bool {
        #if os(Linux)
            // Swift does not import variadic C functions such as prctl.
            typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
            guard let prctl = HiddenLibCFunction.lookUp("prctl", as: Prctl.self) else { return false }
            // PR_SET_CHILD_SUBREAPER, Linux 3.4+.
            guard prctl(36, 1, 0, 0, 0) == 0 else { return false }
            if let fd = try? Syscall.open("/proc/self/task/\(getpid())/children", O_RDONLY) {
                childrenFile.store(fd, ordering: .releasing)
            }
            active.store(true, ordering: .releasing)
            return true
        #else
            return false
        #endif
    }

    /// Whether ``become()`` has succeeded.
    public static var isActive: Bool {
        active.load(ordering: .acquiring)
    }

    // MARK: - Tracked children

    /// Runs `spawn` (which returns the new child's pid) and tracks the child, with the lock held
    /// throughout: no untracked-child reaping can see the pid before it is tracked.
    static func spawnTracked(_ spawn: () throws(SystemError) -> pid_t) throws(SystemError) -> pid_t {
        try state.withLock { (state) throws(SystemError) -> pid_t in
            let pid = try spawn()
            state.tracked[pid, default: 0] += 1
            return pid
        }
    }

    /// Forgets a tracked child once its owner has reaped it.
    static func untrack(_ pid: pid_t) {
        state.withLock { state in
            let count = (state.tracked[pid] ?? 1) - 1
            state.tracked[pid] = count > 0 ? count : nil
        }
    }

    /// Reaps the untracked zombie children: those of `pids` (a SIGCHLD named them) and those the
    /// main thread's children file lists. SIGCHLDs that arrive together merge into one, which
    /// names a single pid: the file finds the others. It lists only re-parented processes
    /// (``ChildProcess`` spawns on other threads), so it is almost always empty, one `pread`.
    static func reapZombies(named pids: [pid_t]) {
        guard isActive else { return }
        var candidates = pids
        let fd = childrenFile.load(ordering: .acquiring)
        if fd < 0 || ProcessInspector.listsAnyChild(fd) { candidates += ProcessInspector.children(ofThread: getpid()) }
        if !candidates.isEmpty { _ = liveUntracked(among: candidates) }
    }

    /// The untracked ones of `pids` that still run; those that are zombies are reaped.
    private static func liveUntracked(among pids: [pid_t]) -> [pid_t] {
        state.withLock { state in
            pids.filter { pid in
                guard pid > 1, state.tracked[pid] == nil else { return false }
                switch Result(catching: { () throws(SystemError) in try Syscall.waitpid(pid, options: WNOHANG) }) {
                case .success(.some):
                    state.terminating[pid] = nil
                    return false
                case .success(nil):
                    return true  // a child still running
                case .failure:
                    return false  // not (or no longer) our child
                }
            }
        }
    }

    // MARK: - Ending them

    /// Terminates the untracked children whose environment holds every entry of `entries` (an
    /// attempt's `ONESHOT_WS_ID=…` and `ONESHOT_ATTEMPT=…`): SIGTERM now, SIGKILL after `grace`
    /// unless reaped meanwhile; the process group too when they lead one. Reaps untracked
    /// zombies on the way. Call it when the attempt's command has exited.
    ///
    /// The common case costs one `pread` of a byte of `/proc/self/task/<pid>/children` (the main
    /// thread's children: the re-parented processes), kept open: nothing else is read when it
    /// lists none.
    ///
    /// - Parameter entries: made only when some child is listed, not at every attempt's end.
    public static func endEscapees(marked entries: @autoclosure () -> [String], grace: Duration) {
        guard isActive else { return }
        let fd = childrenFile.load(ordering: .acquiring)
        if fd >= 0 && !ProcessInspector.listsAnyChild(fd) { return }
        let children = ProcessInspector.children(ofThread: getpid())
        guard !children.isEmpty else { return }
        let entries = entries()
        for pid in liveUntracked(among: children) {
            switch ProcessInspector.environment(of: pid, holding: entries) {
            case true?: terminate(pid, grace: grace)
            case false?: continue
            case nil: decideLater(pid, marked: entries, grace: grace)
            }
        }
    }

    /// How long a child whose environment cannot be read yet is asked again: a process in the
    /// middle of an `execve` (a `setsid sleep 300 &` just started) shows an empty environment
    /// until the exec is done, which on a loaded machine (CI, 2 cores) took longer than the
    /// 50 ms it was once given, and its attempt's escapee then ran on until the run ended.
    static let undecidedWait: Duration = .seconds(5)

    /// Asks again, off the caller's thread, every 10 ms for up to `undecidedWait`, whether the
    /// child `pid` (still running, not reaped) holds `entries`, and terminates it once it does.
    private static func decideLater(_ pid: pid_t, marked entries: [String], grace: Duration, asked: Int = 1) {
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(10)) {
            guard !liveUntracked(among: [pid]).isEmpty else { return }
            switch ProcessInspector.environment(of: pid, holding: entries) {
            case true?:
                terminate(pid, grace: grace)
            case false?:
                return
            case nil:
                guard Duration.milliseconds(10) * (asked + 1) <= undecidedWait else { return }
                decideLater(pid, marked: entries, grace: grace, asked: asked + 1)
            }
        }
    }

    /// Terminates every untracked child and waits for it: SIGTERM, up to `grace` for it to exit,
    /// SIGKILL; then reaps it. Repeated (a few rounds) for what their ends re-parent to us. Call
    /// it when the run has ended, before exiting.
    public static func endAll(grace: Duration) {
        guard isActive else { return }
        for _ in 0..<4 {
            let live = liveUntracked(among: ProcessInspector.childrenOfAllThreads())
            if live.isEmpty { return }
            live.forEach { pid in state.withLock { _ in send(SIGTERM, to: pid) } }
            waitForExits(of: live, within: grace)
            live.forEach { pid in state.withLock { _ in send(SIGKILL, to: pid) } }
            waitForExits(of: live, within: .seconds(5))
            _ = liveUntracked(among: live)
        }
    }

    private static func terminate(_ pid: pid_t, grace: Duration) {
        let token = state.withLock { state -> Int in
            state.nextToken += 1
            state.terminating[pid] = state.nextToken
            send(SIGTERM, to: pid)
            return state.nextToken
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(grace / .milliseconds(1)))) {
            // Under the lock: the pid stays ours (unreaped) while its token is still there.
            state.withLock { state in
                if state.terminating[pid] == token { send(SIGKILL, to: pid) }
            }
        }
    }

    /// Sends `number` to `pid`'s process group when it leads one, else to `pid`. Call it with the
    /// lock held: the child is then unreaped, so neither id can have been reused.
    private static func send(_ number: Int32, to pid: pid_t) {
        let target = ProcessInspector.processGroup(of: pid) == pid && pid != getpgrp() ? -pid : pid
        try? Syscall.kill(target, number)
    }

    /// Returns once every one of `pids` (our children) has exited, or `limit` has passed.
    private static func waitForExits(of pids: [pid_t], within limit: Duration) {
        let deadline = ContinuousClock.now + limit
        for pid in pids {
            switch Pidfd.open(pid) {
            case .opened(let pidfd):
                _ = Pidfd.waitForExit(pidfd, timeout: max(.zero, deadline - ContinuousClock.now))
                Syscall.close(pidfd)
            case .noSuchProcess:
                continue
            case .unsupported:
                // Without pidfds a child's exit cannot be awaited without reaping it: wait it out.
                let left = max(.zero, deadline - ContinuousClock.now)
                usleep(UInt32(min(Double(UInt32.max), left / .microseconds(1))))
            }
        }
    }
}
