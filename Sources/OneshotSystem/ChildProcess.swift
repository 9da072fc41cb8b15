import Foundation
import Synchronization

/// A child process started in a process group of its own, with a clean signal state.
///
/// Foundation's `Process` starts children with SIGINT, SIGTERM and SIGCHLD blocked and signals
/// only the child's own pid; a shell's background jobs then outlive a timeout. `ChildProcess`
/// uses `posix_spawn` with `POSIX_SPAWN_SETSID` (a session, and so a process group, of its own,
/// with no controlling terminal), an empty signal mask, default dispositions and no descriptor
/// beyond the standard three (see `SpawnSetup`), and signals the whole group with
/// `kill(-pgid, …)`.
///
/// The exit is learnt without reaping (a pidfd polled by an ``EventLoop``, else `waitid(WNOWAIT)`
/// on the one ``ExitWaiter`` thread), so the pid (and the group id) stays reserved by the zombie until the stragglers
/// of a terminated group have been killed and the child is reaped: a signal never reaches a
/// recycled pid.
public final class ChildProcess: Sendable {
    /// The child's pid, which is also its process group id.
    public let pid: pid_t
    /// The child's start time in clock ticks since boot, as `/proc/<pid>/stat` gives it (field
    /// 22): with the pid it names this process for good. `nil` where there is no `/proc`.
    ///
    /// The spawn is bracketed by readings of the clock the kernel stamps processes with at fork;
    /// when both fall in the same tick, that tick is the start time and `/proc` is not read.
    public let startTime: UInt64?

    private struct State {
        var reaped = false
        /// The registration with the run's ``KillSwitch`` while the child is being terminated.
        var killSwitchToken: Int?
        /// The signal that stopped the child, which was then killed (see ``ChildStopWatcher``).
        var stoppedBy: Int32?
        /// Whether the ``ExitWaiter`` watches the child: it must be told of the reap.
        var exitWaiter: ExitWaiter?
    }
    private let state = Mutex(State())

    private init(pid: pid_t, startTime: UInt64?) {
        self.pid = pid
        self.startTime = startTime
    }

    /// Starts `executable` with `arguments` in a new session and process group, without a
    /// controlling terminal.
    ///
    /// The corresponding C function is `posix_spawn`, set up as `SpawnSetup` describes:
    /// standard input is `/dev/null`, standard output and error go to `outputFD`, no other
    /// descriptor is passed on, the signal mask is empty and every signal has its default
    /// disposition.
    ///
    /// - Parameters:
    ///   - executable: absolute path of the program, e.g. `/bin/sh`.
    ///   - arguments: `argv`, including `argv[0]`.
    ///   - environment: the complete environment of the child.
    ///   - outputFD: a descriptor for both stdout and stderr.
    /// - Throws: ``SystemError`` when the spawn fails.
    public static func spawn(
        executable: String,
        arguments: [String],
        environment: [String: String],
        outputFD: Int32
    ) throws(SystemError) -> ChildProcess {
        try spawn(
            executable: executable, arguments: arguments, environmentEntries: environment.map { "\($0.key)=\($0.value)" },
            outputFD: outputFD)
    }

    /// ``spawn(executable:arguments:environment:outputFD:)`` with the environment as
    /// `KEY=VALUE` entries, for callers that build it once for many children.
    ///
    /// - Parameter passedFD: a descriptor the child gets as its descriptor 3 (the one
    ///   descriptor it inherits beyond the standard three), e.g. a file its shell appends to.
    public static func spawn(
        executable: String,
        arguments: [String],
        environmentEntries: [String],
        outputFD: Int32,
        passedFD: Int32? = nil
    ) throws(SystemError) -> ChildProcess {
        try spawn(
            executable: executable, arguments: arguments, environment: nil, adding: environmentEntries, outputFD: outputFD,
            passedFD: passedFD)
    }

    /// ``spawn(executable:arguments:environmentEntries:outputFD:passedFD:)`` with the environment
    /// `environment`'s entries (made into C strings once, for many children) followed by `extra`.
    ///
    /// - Parameter parkingFD: with `passedFD`, a descriptor the child gets as its descriptor 4 (a
    ///   pipe a parked shell waits on before it runs anything, see `CommandExecutor`). Both are
    ///   to be numbered above 4.
    public static func spawn(
        executable: String,
        arguments: [String],
        environment: PreparedEnvironment,
        adding extra: [String],
        outputFD: Int32,
        passedFD: Int32? = nil,
        parkingFD: Int32? = nil
    ) throws(SystemError) -> ChildProcess {
        try spawn(
            executable: executable, arguments: arguments, environment: .some(environment), adding: extra,
            outputFD: outputFD, passedFD: passedFD, parkingFD: parkingFD)
    }

    private static func spawn(
        executable: String,
        arguments: [String],
        environment: PreparedEnvironment?,
        adding extra: [String],
        outputFD: Int32,
        passedFD: Int32?,
        parkingFD: Int32? = nil
    ) throws(SystemError) -> ChildProcess {
        SignalWatcher.makeChildrenWaitable()
        let (spawning, owned) = try SpawnSetups.setup(outputFD: outputFD, passedFD: passedFD, parkingFD: parkingFD)
        defer { if owned { SpawnSetups.release(spawning) } }

        let argv = arguments.map { strdup($0) } + [nil]
        let added = extra.map { strdup($0) }
        // The prepared entries are borrowed: `environment` outlives the spawn (below).
        let envp = (environment?.pointers ?? []) + added + [nil]
        defer {
            argv.forEach { free($0) }
            added.forEach { free($0) }
        }
        defer { withExtendedLifetime(environment) {} }
        let before = ProcessInspector.ticksSinceBoot()
        // Tracked from the spawn on: a subreaper reaps only children no ChildProcess owns.
        let pid = try Subreaper.spawnTracked { () throws(SystemError) -> pid_t in
            var pid: pid_t = 0
            let result = posix_spawn(&pid, executable, &spawning.pointee.actions, &spawning.pointee.attributes, argv, envp)
            if result != 0 {
                throw SystemError(call: "posix_spawn", path: executable, errno: result)
            }
            return pid
        }
        let after = ProcessInspector.ticksSinceBoot()
        let start = before != nil && before == after ? before : ProcessInspector.startTime(ofUnreapedChild: pid)
        return ChildProcess(pid: pid, startTime: start)
    }

    /// Waits for the child to end and reaps it.
    ///
    /// Cancelling the calling task terminates the child's process group: SIGTERM at once,
    /// SIGKILL after `grace` if the child has not ended. Once the child has ended, however it
    /// ended, whatever is left of its group (`(sleep 60 &)` in a command) is killed before the
    /// child is reaped — while the zombie still reserves the group's id — so an attempt leaves
    /// nothing running behind it.
    ///
    /// - Parameter grace: how long a terminated group gets between SIGTERM and SIGKILL.
    /// - Returns: how the child ended.
    public func wait(terminationGrace grace: Duration) async -> ExitStatus {
        await wait(terminationGrace: grace, monitor: EventLoop.current ?? EventLoop.shared)
    }

    /// ``wait(terminationGrace:)`` through `monitor`, or a thread of its own when it is `nil`.
    func wait(terminationGrace grace: Duration, monitor: EventLoop?) async -> ExitStatus {
        let killSwitch = KillSwitch.current
        return await withTaskCancellationHandler {
            let stopWatch = killWhenStopped()
            await waitForExitWithoutReaping(monitor: monitor)
            // Whatever is left of the group (a command's `(sleep 60 &)`) goes with its leader,
            // while the zombie still reserves the group's id.
            try? Syscall.kill(-pid, SIGKILL)
            let status = reap()
            forgetKillSwitch(killSwitch)
            return statusNamingTheStop(status, stopWatch: stopWatch)
        } onCancel: {
            terminate(grace: grace)
            killAtOnce(whenThrown: killSwitch)
        }
    }

    /// Waits for the child to end and reaps it, blocking the calling thread, whatever becomes
    /// of the calling task: for short helpers (a scheduler's `squeue`, `scancel`) that must run
    /// to their end even while the attempt that started them is being cancelled.
    ///
    /// The corresponding C function is `waitpid`.
    public func waitUntilExit() -> ExitStatus {
        reap()
    }

    /// Sends SIGTERM to the child's group, and SIGKILL after `grace` unless it has been reaped.
    public func terminate(grace: Duration) {
        if state.withLock({ $0.reaped }) { return }
        try? Syscall.kill(-pid, SIGTERM)
        let nanoseconds = grace.components.seconds * 1_000_000_000 + grace.components.attoseconds / 1_000_000_000
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) { [self] in
            // The lock is held across kill so that the child cannot be reaped (and its pid
            // recycled) between the check and the signal.
            state.withLock { state in
                if !state.reaped { try? Syscall.kill(-pid, SIGKILL) }
            }
        }
    }

    /// Returns once the child has exited, leaving it a zombie: through the process-wide
    /// ``EventLoop`` where pidfds work, else through the ``ExitWaiter``'s one thread.
    private func waitForExitWithoutReaping(monitor: EventLoop?) async {
        let pid = self.pid
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            if let monitor, monitor.watch(pid, onExit: { continuation.resume() }) { return }
            if let waiter = ExitWaiter.shared {
                state.withLock { $0.exitWaiter = waiter }
                waiter.watch(pid) { continuation.resume() }
                return
            }
            // No descriptor left for the waiter's pipe: a thread of its own.
            NamedThread.start("oneshot.wait", stackSize: 64 * 1024) {
                // ECHILD cannot happen: the child is reaped only after this returns.
                try? Syscall.waitForExitWithoutReaping(pid)
                continuation.resume()
            }
        }
    }

    private func reap() -> ExitStatus {
        state.withLock { state in
            let status = try? Syscall.waitpid(pid)
            state.reaped = true
            Subreaper.untrack(pid)
            // Reaped: the exit waiter, if it reported the exit, may look past it.
            state.exitWaiter?.forget(pid)
            // Only an embedding process that reaps every child (`waitpid(-1)`) can take the
            // status first: the exit is then unknown, reported as the shell's "not found".
            return status.flatMap { $0 }.map(ExitStatus.init(waitStatus:)) ?? .exited(127)
        }
    }
}

// MARK: - Escalation by a second signal

extension ChildProcess {
    /// Skips the rest of the grace once `killSwitch` is thrown: SIGKILL to the group at once,
    /// unless the child has been reaped (its pid could be recycled).
    private func killAtOnce(whenThrown killSwitch: KillSwitch?) {
        guard let killSwitch else { return }
        state.withLock { state in
            guard !state.reaped, state.killSwitchToken == nil else { return }
            let token = killSwitch.register { [weak self] in self?.killGroupUnlessReaped() }
            if let token {
                state.killSwitchToken = token
            } else {
                try? Syscall.kill(-pid, SIGKILL)
            }
        }
    }

    private func killGroupUnlessReaped() {
        state.withLock { state in
            if !state.reaped { try? Syscall.kill(-pid, SIGKILL) }
        }
    }

    private func forgetKillSwitch(_ killSwitch: KillSwitch?) {
        guard let killSwitch, let token = state.withLock({ $0.killSwitchToken }) else { return }
        killSwitch.unregister(token)
    }
}

// MARK: - A stopped child

extension ChildProcess {
    /// Watches for a stop of the child, when a ``ChildStopWatcher`` is installed: a stopped
    /// command would never exit, so its group is killed and the stop reported.
    private func killWhenStopped() -> Int? {
        ChildStopWatcher.shared?.watch(pid) { [weak self] signal in self?.killStopped(by: signal) }
    }

    private func killStopped(by signal: Int32) {
        state.withLock { state in
            guard !state.reaped else { return }
            state.stoppedBy = signal
            try? Syscall.kill(-pid, SIGKILL)
        }
    }

    private func statusNamingTheStop(_ status: ExitStatus, stopWatch: Int?) -> ExitStatus {
        if let stopWatch { ChildStopWatcher.shared?.unwatch(pid, token: stopWatch) }
        return state.withLock { $0.stoppedBy }.map { .stopped($0) } ?? status
    }
}
