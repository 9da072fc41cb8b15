#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Process file descriptors (Linux 5.3+): a descriptor that names one process for good and
/// becomes readable when it exits — for any process, not only a child.
public enum Pidfd {
    private typealias PidfdOpen = @convention(c) (pid_t, UInt32) -> Int32

    private static let pidfdOpen: PidfdOpen? = {
        #if os(Linux)
            // glibc 2.36+ has pidfd_open; Swift's Glibc module does not import <sys/pidfd.h>.
            guard let open = HiddenLibCFunction.lookUp("pidfd_open", as: PidfdOpen.self) else { return nil }
            // Probe once: a kernel or filter may refuse the call.
            let probe = open(getpid(), 0)
            guard probe >= 0 else { return nil }
            Syscall.close(probe)
            return open
        #else
            return nil
        #endif
    }()

    /// Whether pidfds work here.
    public static var isAvailable: Bool { pidfdOpen != nil }

    /// What ``open(_:)`` gave.
    public enum Opened: Sendable, Equatable {
        /// A descriptor (close-on-exec) for the caller to close.
        case opened(Int32)
        /// No process has that pid.
        case noSuchProcess
        /// Pidfds are not available, or the call failed otherwise (no descriptor left).
        case unsupported
    }

    /// A pidfd for `pid`. The corresponding C function is `pidfd_open`.
    public static func open(_ pid: pid_t) -> Opened {
        guard let pidfdOpen, pid > 0 else { return .unsupported }
        let descriptor = pidfdOpen(pid, 0)
        if descriptor >= 0 { return .opened(descriptor) }
        return errno == ESRCH ? .noSuchProcess : .unsupported
    }

    /// Waits until the process of `pidfd` exits or `timeout` passes. The corresponding C
    /// function is `poll`; `EINTR` restarts the wait with what is left of the timeout.
    ///
    /// - Returns: whether the process has exited.
    public static func waitForExit(_ pidfd: Int32, timeout: Duration) -> Bool {
        var descriptors = [pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)]
        return Syscall.poll(&descriptors, timeout: timeout) > 0
    }
}
