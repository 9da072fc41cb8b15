#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// This process: its ids, a signal it ignores, a pause, its end. None of these calls can fail.
extension Syscall {
    /// This process's id. The corresponding C function is `getpid`.
    public static var processID: pid_t { getpid() }

    /// This process's process group. The corresponding C function is `getpgrp`.
    public static var processGroupID: pid_t { getpgrp() }

    /// Ignores `signal` in this process (`SIGPIPE`: a closed reader then fails the write with
    /// `EPIPE` instead of killing the writer). The corresponding C function is `signal` with
    /// `SIG_IGN`.
    public static func ignore(signal number: Int32) {
        _ = signal(number, SIG_IGN)
    }

    /// Blocks the calling thread for `duration`, sleeping again for what is left after a signal
    /// interrupts it. The corresponding C function is `nanosleep`.
    ///
    /// For short bounded waits on a state another process ends (a spawning child's copy of a
    /// descriptor); never to synchronise with this process's own tasks.
    public static func pause(for duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var wanted = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var left = timespec()
        while nanosleep(&wanted, &left) == -1 && errno == EINTR { wanted = left }
    }

    /// Ends the process with `code`, flushing C's buffered output. The corresponding C function
    /// is `exit`.
    public static func exit(_ code: Int32) -> Never {
        Glibc_exit(code)
    }
}

@inline(__always) func Glibc_exit(_ code: Int32) -> Never { exit(code) }
