#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Pipes, waits and polls: the calls the process and event-loop code makes, `EINTR` retried.
extension Syscall {
    /// A pipe whose ends are both close-on-exec (set with the pipe on Linux, so that no child
    /// spawned meanwhile inherits one); `nonBlocking` ends also get `O_NONBLOCK`. The
    /// corresponding C function is `pipe2`, or `pipe` then `fcntl`.
    public static func pipe(nonBlocking: PipeEnds = []) throws(SystemError) -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        if let pipe2 = HiddenLibCFunction.pipe2 {
            try retrying("pipe2") { ends.withUnsafeMutableBufferPointer { pipe2($0.baseAddress!, O_CLOEXEC) } }
        } else {
            try retrying("pipe") { Glibc_pipe(&ends) }
            for end in ends { _ = Glibc_fcntl(end, F_SETFD, FD_CLOEXEC) }
        }
        if nonBlocking.contains(.read) { _ = Glibc_fcntl(ends[0], F_SETFL, O_NONBLOCK) }
        if nonBlocking.contains(.write) { _ = Glibc_fcntl(ends[1], F_SETFL, O_NONBLOCK) }
        return (ends[0], ends[1])
    }

    /// Whether `fd` is an open descriptor. The corresponding C function is `fcntl(F_GETFD)`.
    public static func isOpen(_ fd: Int32) -> Bool {
        Glibc_fcntl(fd, F_GETFD, 0) != -1
    }

    /// Marks `fd` close-on-exec, if it is open. The corresponding C function is `fcntl`.
    public static func setCloseOnExec(_ fd: Int32) {
        let flags = Glibc_fcntl(fd, F_GETFD, 0)
        if flags >= 0 && flags & FD_CLOEXEC == 0 { _ = Glibc_fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
    }

    /// A close-on-exec copy of `fd` numbered `lowest` or above (`fd` itself stays open). The
    /// corresponding C function is `fcntl(F_DUPFD_CLOEXEC)`.
    ///
    /// - Throws: ``SystemError`` naming `path`.
    public static func duplicate(_ fd: Int32, atLeast lowest: Int32, path: String) throws(SystemError) -> Int32 {
        try retrying("fcntl", path: path) { Glibc_fcntl(fd, F_DUPFD_CLOEXEC, lowest) }
    }

    /// Which ends of a ``pipe(nonBlocking:)`` are non-blocking.
    public struct PipeEnds: OptionSet, Sendable {
        /// The bits of the set.
        public let rawValue: Int
        /// The set of `rawValue`'s bits.
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// The end that is read.
        public static let read = PipeEnds(rawValue: 1)
        /// The end that is written.
        public static let write = PipeEnds(rawValue: 2)
    }

    /// Reaps the child `pid`. The corresponding C function is `waitpid`.
    ///
    /// - Parameter options: `WNOHANG` to return at once when the child still runs.
    /// - Returns: the wait status, or `nil` when `WNOHANG` was given and the child still runs.
    /// - Throws: ``SystemError`` (`ECHILD` when `pid` is not, or no longer, a child).
    public static func waitpid(_ pid: pid_t, options: Int32 = 0) throws(SystemError) -> Int32? {
        var status: Int32 = 0
        let result = try retrying("waitpid", path: "pid \(pid)") { Glibc_waitpid(pid, &status, options) }
        return result == 0 ? nil : status
    }

    /// Returns once the child `pid` has exited, leaving it a zombie (its pid stays reserved).
    /// The corresponding C function is `waitid` with `WEXITED | WNOWAIT`.
    ///
    /// - Throws: ``SystemError`` (`ECHILD` when `pid` is not a child).
    public static func waitForExitWithoutReaping(_ pid: pid_t) throws(SystemError) {
        var info = siginfo_t()
        try retrying("waitid", path: "pid \(pid)") { Glibc_waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) }
    }

    /// Returns once any child has exited, leaving it a zombie, and gives its pid. The
    /// corresponding C function is `waitid(P_ALL)` with `WEXITED | WNOWAIT`: the same child is
    /// reported again until someone reaps it.
    ///
    /// - Throws: ``SystemError`` (`ECHILD` when this process has no child).
    public static func waitForAnyExitWithoutReaping() throws(SystemError) -> pid_t {
        var info = siginfo_t()
        try retrying("waitid") { Glibc_waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) }
        return info.childPID
    }

    /// Whether the child `pid` has exited (a zombie, not reaped here). The corresponding C
    /// function is `waitid(P_PID)` with `WEXITED | WNOHANG | WNOWAIT`; `false` when it still runs
    /// or is not a child.
    public static func hasExited(_ pid: pid_t) -> Bool {
        var info = siginfo_t()
        guard (try? retrying("waitid", { Glibc_waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) })) != nil
        else { return false }
        return info.childPID == pid
    }

    /// The signal that stopped the child `pid`, or `nil` when it is not stopped (or not a
    /// child). The corresponding C function is `waitid` with `WSTOPPED | WNOHANG | WNOWAIT`:
    /// nothing is reaped and the stop stays reportable.
    public static func stopSignal(of pid: pid_t) -> Int32? {
        var info = siginfo_t()
        guard (try? retrying("waitid", { Glibc_waitid(P_PID, id_t(pid), &info, WSTOPPED | WNOHANG | WNOWAIT) })) != nil,
            info.si_code == CLD_STOPPED
        else { return nil }
        #if canImport(Darwin)
            return info.si_status
        #else
            return info._sifields._sigchld.si_status
        #endif
    }

    /// Waits until one of `descriptors` is ready or `timeout` (`nil`: none) has passed. The
    /// corresponding C function is `poll`; `EINTR` restarts the wait with what is left.
    ///
    /// - Returns: how many descriptors are ready (0 at the timeout).
    @discardableResult
    public static func poll(_ descriptors: inout [pollfd], timeout: Duration?) -> Int {
        let deadline = timeout.map { ContinuousClock.now + $0 }
        while true {
            var milliseconds: Int32 = -1
            if let deadline {
                let left = max(.zero, deadline - ContinuousClock.now)
                // Rounded up: a wait cut short would only be retried.
                milliseconds = Int32(clamping: Int64((left / .milliseconds(1)).rounded(.up)))
            }
            let result = Glibc_poll(&descriptors, nfds_t(descriptors.count), milliseconds)
            if result >= 0 { return Int(result) }
            // With valid descriptors only EINTR (and ENOMEM) can happen: look again.
            if errno != EINTR { return 0 }
        }
    }
}

@inline(__always) func Glibc_pipe(_ ends: UnsafeMutablePointer<Int32>) -> Int32 { pipe(ends) }
@inline(__always) func Glibc_fcntl(_ fd: Int32, _ command: Int32, _ value: Int32) -> Int32 { fcntl(fd, command, value) }
@inline(__always) func Glibc_waitpid(_ pid: pid_t, _ status: UnsafeMutablePointer<Int32>, _ options: Int32) -> pid_t {
    waitpid(pid, status, options)
}
@inline(__always) func Glibc_waitid(
    _ type: idtype_t, _ id: id_t, _ info: UnsafeMutablePointer<siginfo_t>, _ options: Int32
) -> Int32 {
    waitid(type, id, info, options)
}
@inline(__always) func Glibc_poll(_ descriptors: UnsafeMutablePointer<pollfd>, _ count: nfds_t, _ timeout: Int32) -> Int32 {
    poll(descriptors, count, timeout)
}

extension siginfo_t {
    /// `si_pid`: the child a `waitid` reported (0 when `WNOHANG` found none).
    var childPID: pid_t {
        #if canImport(Darwin)
            si_pid
        #else
            _sifields._sigchld.si_pid
        #endif
    }
}
