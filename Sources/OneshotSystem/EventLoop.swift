import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One thread that runs tasks' jobs and, between them, waits in `poll` for child processes to
/// exit — the shape of ninja's main loop, as a Swift task executor.
///
/// A child's exit is learnt through its pidfd (Linux 5.3+), which becomes readable once the
/// process has exited while it is still a zombie: its pid stays reserved until ``ChildProcess``
/// reaps it, exactly as with `waitid(WNOWAIT)`.
///
/// Two uses:
/// - ``shared``, a loop that only watches exits: one thread for all children instead of a
///   waiting thread per child (whose creation, stack and teardown cost more than a short command).
/// - A loop per run, as the task executor of the dispatcher's loop and its attempts (see
///   `DispatchOptions.Threading.dedicatedThread`): the loop, the attempts and the exits then take
///   turns on one thread, and a child's exit leads to the next launch without waking any other
///   thread. ``ChildProcess`` watches through ``current`` when a task sets it.
///
/// Where pidfds are unavailable (macOS, an older kernel or C library, a seccomp filter, no free
/// descriptor) ``watch(_:onExit:)`` returns `false` and the caller waits on a thread of its own.
public final class EventLoop: TaskExecutor, Sendable {
    /// The process-wide loop that watches exits for tasks that did not set ``current``; `nil`
    /// when it could not be started (no descriptor left for its pipe).
    public static let shared: EventLoop? = try? EventLoop(name: "oneshot.exits")

    /// The loop children should be watched by in this task, if it runs on one.
    @TaskLocal public static var current: EventLoop?

    private struct State {
        var jobs: [UnownedJob] = []
        /// What to call on each exit, by pidfd. Only the loop's thread removes entries and
        /// closes their descriptors.
        var watches: [Int32: @Sendable () -> Void] = [:]
        /// Whether the thread is (about to be) blocked in `poll`: work from elsewhere must wake it.
        var polling = false
        var stopping = false
    }

    private let state = Mutex(State())
    private let wakeRead: Int32
    private let wakeWrite: Int32

    /// Starts the loop's thread, named `name`.
    ///
    /// - Throws: ``SystemError`` when the pipe that wakes the loop cannot be made (the process
    ///   is out of descriptors).
    public init(name: String) throws(SystemError) {
        (wakeRead, wakeWrite) = try Syscall.pipe(nonBlocking: [.read, .write])
        NamedThread.start(name, stackSize: 1 << 20) { [self] in run() }
    }

    /// Whether ``watch(_:onExit:)`` can work here (pidfds are available).
    public static var watchesExits: Bool { Pidfd.isAvailable }

    /// Calls `onExit` on the loop's thread once `pid` has exited (it is left for the caller to
    /// reap). `onExit` must be quick and must not block.
    ///
    /// - Returns: `false` when the child cannot be watched this way; `onExit` is then never
    ///   called.
    public func watch(_ pid: pid_t, onExit: @escaping @Sendable () -> Void) -> Bool {
        watch(pid, ifStill: { true }, onExit: onExit) == .watching
    }

    /// How ``watch(_:ifStill:onExit:)`` went.
    public enum WatchOutcome: Sendable, Equatable {
        /// `onExit` will be called once the process exits.
        case watching
        /// The process is gone, or `pid` no longer names the process meant: `onExit` is never
        /// called.
        case gone
        /// Exits cannot be watched here (no pidfds): `onExit` is never called.
        case unsupported
    }

    /// Calls `onExit` on the loop's thread once `pid` has exited; works for any process, not
    /// only a child (a resumed run waits this way for an attempt its dead predecessor started).
    ///
    /// `isSame` is asked once the pidfd is open: it must say whether `pid` still names the
    /// process meant (same start time). Asked after the open, a yes proves that the pidfd refers
    /// to that process and not to a later one that reused the pid.
    public func watch(_ pid: pid_t, ifStill isSame: () -> Bool, onExit: @escaping @Sendable () -> Void) -> WatchOutcome {
        let pidfd: Int32
        switch Pidfd.open(pid) {
        case .opened(let descriptor): pidfd = descriptor
        case .noSuchProcess: return .gone
        case .unsupported: return .unsupported
        }
        guard isSame() else {
            Syscall.close(pidfd)
            return .gone
        }
        let mustWake = state.withLock { state in
            state.watches[pidfd] = onExit
            return state.polling
        }
        if mustWake { wake() }
        return .watching
    }

    /// Queues `job` to run on the loop's thread.
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let mustWake = state.withLock { state in
            state.jobs.append(job)
            return state.polling
        }
        if mustWake { wake() }
    }

    /// Lets the thread end once no job and no watch is left. Call it when nothing can enqueue
    /// anymore: when the structured work that preferred this loop has returned.
    public func stop() {
        state.withLock { $0.stopping = true }
        wake()
    }

    /// Makes `poll` return. A full pipe already holds a wake-up: nothing is lost when it fails.
    private func wake() {
        var byte: UInt8 = 1
        // Raw `write` on the wake-up pipe (see `Syscall`, the one exception): full is the only failure.
        _ = write(wakeWrite, &byte, 1)
    }

    private func run() {
        // Children started from this thread report their end with SIGCHLD to it. Blocked here,
        // the kernel would hand the signal to another thread (the main thread, parked in
        // `sigsuspend`) and wake it once per child only to discard it; unblocked, a SIGCHLD with
        // its default disposition is dropped where it is raised.
        var childSignal = sigset_t()
        sigemptyset(&childSignal)
        sigaddset(&childSignal, SIGCHLD)
        pthread_sigmask(SIG_UNBLOCK, &childSignal, nil)

        var batch: [UnownedJob] = []
        var descriptors: [pollfd] = []
        var drain = [UInt8](repeating: 0, count: 64)
        // Batches run in a row without a look at the children: after this many, a poll that
        // does not wait, so that jobs that keep enqueueing more (a task yielding in a loop)
        // cannot keep an exit from being noticed.
        let batchesBetweenLooks = 16
        var batchesInARow = 0
        while true {
            let (wait, finished) = state.withLock { state -> (Bool?, Bool) in
                swap(&batch, &state.jobs)
                if state.stopping && batch.isEmpty && state.watches.isEmpty { return (nil, true) }
                let idle = batch.isEmpty
                batchesInARow = idle ? 0 : batchesInARow + 1
                guard idle || (batchesInARow >= batchesBetweenLooks && !state.watches.isEmpty) else { return (nil, false) }
                batchesInARow = 0
                state.polling = idle
                descriptors.removeAll(keepingCapacity: true)
                descriptors.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
                for pidfd in state.watches.keys {
                    descriptors.append(pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0))
                }
                return (idle, false)
            }
            if finished { break }
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
            batch.removeAll(keepingCapacity: true)
            guard let wait else { continue }
            Syscall.poll(&descriptors, timeout: wait ? nil : .zero)
            if descriptors[0].revents != 0 {
                // Raw `read` on the wake-up pipe (see `Syscall`, the one exception). A read short
                // of the buffer emptied it: no second read to learn so (one `read` per wake-up,
                // not two); a byte written after it makes the next `poll` return at once.
                while read(wakeRead, &drain, drain.count) == drain.count {}
            }
            let exited = state.withLock { state in
                state.polling = false
                return descriptors.dropFirst().compactMap { polled in
                    polled.revents == 0 ? nil : state.watches.removeValue(forKey: polled.fd).map { (polled.fd, $0) }
                }
            }
            for (pidfd, onExit) in exited {
                Syscall.close(pidfd)
                onExit()
            }
        }
        Syscall.close(wakeRead)
        Syscall.close(wakeWrite)
    }
}
