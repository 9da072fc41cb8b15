import Foundation
import Synchronization

/// Learns of every child's exit on one thread, through process file descriptors (Linux 5.3+).
///
/// A pidfd becomes readable once its process has exited, while the process is still a zombie:
/// its pid stays reserved until ``ChildProcess`` reaps it, exactly as with `waitid(WNOWAIT)`.
/// One `poll` over all of them replaces a waiting thread per child, whose creation, stack and
/// teardown cost more than a short command itself.
///
/// Where pidfds are unavailable (macOS, an older kernel or C library, a seccomp filter, no free
/// descriptor) ``watch(_:onExit:)`` returns `false` and the caller waits on a thread of its own.
final class ExitMonitor: Sendable {
    /// The process-wide monitor, or `nil` where pidfds are unavailable.
    static let shared: ExitMonitor? = ExitMonitor()

    private typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32

    private struct Watch {
        let pidfd: Int32
        let onExit: @Sendable () -> Void
    }

    private let pidfdOpen: PidfdOpen
    private let wakeRead: Int32
    private let wakeWrite: Int32
    /// Watches by pidfd. Only the monitor's thread removes entries and closes their descriptors.
    private let watches = Mutex<[Int32: Watch]>([:])

    private init?() {
        #if os(Linux)
            // glibc 2.36+ has pidfd_open; Swift's Glibc module does not import <sys/pidfd.h>.
            guard let library = dlopen(nil, RTLD_NOW), let symbol = dlsym(library, "pidfd_open") else { return nil }
            let open = unsafeBitCast(symbol, to: PidfdOpen.self)
            // Probe once: a kernel or filter may refuse the call.
            let probe = open(getpid(), 0)
            guard probe >= 0 else { return nil }
            Syscall.close(probe)
            var ends: [Int32] = [-1, -1]
            guard pipe(&ends) == 0 else { return nil }
            for end in ends {
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
                _ = fcntl(end, F_SETFL, O_NONBLOCK)
            }
            pidfdOpen = open
            wakeRead = ends[0]
            wakeWrite = ends[1]
            let thread = Thread { [self] in run() }
            thread.name = "oneshot.exits"
            thread.stackSize = 256 * 1024
            thread.start()
        #else
            return nil
        #endif
    }

    /// Calls `onExit` on the monitor's thread once `pid` has exited (it is left for the caller
    /// to reap). `onExit` must be quick and must not block.
    ///
    /// - Returns: `false` when the child cannot be watched this way (`pidfd_open` failed, e.g.
    ///   out of descriptors); `onExit` is then never called.
    func watch(_ pid: pid_t, onExit: @escaping @Sendable () -> Void) -> Bool {
        // pidfd_open always sets close-on-exec.
        let pidfd = pidfdOpen(pid, 0)
        guard pidfd >= 0 else { return false }
        watches.withLock { $0[pidfd] = Watch(pidfd: pidfd, onExit: onExit) }
        wake()
        return true
    }

    /// Makes the thread's `poll` return so that it polls the new descriptor too. A full pipe
    /// already holds a wake-up: nothing is lost when the write fails.
    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    private func run() -> Never {
        var descriptors: [pollfd] = []
        var drain = [UInt8](repeating: 0, count: 64)
        while true {
            descriptors.removeAll(keepingCapacity: true)
            descriptors.append(pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0))
            watches.withLock { watches in
                for pidfd in watches.keys { descriptors.append(pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)) }
            }
            // Retried on EINTR; no other error is possible with valid descriptors and no timeout.
            while poll(&descriptors, nfds_t(descriptors.count), -1) == -1 && errno == EINTR {}
            if descriptors[0].revents != 0 {
                while read(wakeRead, &drain, drain.count) > 0 {}
            }
            let exited = watches.withLock { watches in
                descriptors.dropFirst().compactMap { $0.revents != 0 ? watches.removeValue(forKey: $0.fd) : nil }
            }
            for watch in exited {
                Syscall.close(watch.pidfd)
                watch.onExit()
            }
        }
    }
}
