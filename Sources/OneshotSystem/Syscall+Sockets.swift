#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A connected pair of Unix sockets, and writes to one that never raise `SIGPIPE`.
extension Syscall {
    /// A connected pair of stream sockets (`AF_UNIX`), both ends close-on-exec. Unlike a pipe's,
    /// a write to one whose peer is closed can be made to fail with `EPIPE` without raising
    /// `SIGPIPE` (``sendAllWithoutSignal(_:_:path:)``), whatever this process does with that
    /// signal. The corresponding C function is `socketpair`.
    public static func socketPair() throws(SystemError) -> (Int32, Int32) {
        var ends: [Int32] = [-1, -1]
        #if os(Linux)
            let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            try retrying("socketpair") { ends.withUnsafeMutableBufferPointer { socketpair(AF_UNIX, type, 0, $0.baseAddress!) } }
        #else
            try retrying("socketpair") {
                ends.withUnsafeMutableBufferPointer { socketpair(AF_UNIX, SOCK_STREAM, 0, $0.baseAddress!) }
            }
            for end in ends {
                _ = fcntl(end, F_SETFD, FD_CLOEXEC)
                var on: Int32 = 1
                _ = setsockopt(end, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
            }
        #endif
        return (ends[0], ends[1])
    }

    /// Sends all of `bytes` down the socket `fd`, looping over short sends; a peer that is gone
    /// fails it with `EPIPE` and never raises `SIGPIPE` (`MSG_NOSIGNAL`; on Darwin, the
    /// `SO_NOSIGPIPE` ``socketPair()`` sets). The corresponding C function is `send`.
    public static func sendAllWithoutSignal(_ fd: Int32, _ bytes: [UInt8], path: String) throws(SystemError) {
        #if os(Linux)
            let flags = Int32(MSG_NOSIGNAL)
        #else
            let flags: Int32 = 0
        #endif
        var offset = 0
        while offset < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                Result { () throws(SystemError) -> Int in
                    try retrying("send", path: path) { send(fd, raw.baseAddress! + offset, raw.count - offset, flags) }
                }
            }
            let sent = try result.get()
            if sent == 0 { throw SystemError(call: "send", path: path, errno: EIO) }
            offset += sent
        }
    }
}
