#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
extension Syscall {
    /// Writes all of `bytes` to `fd`, waiting for room when the descriptor is non-blocking.
    ///
    /// A parent may hand oneshot a non-blocking stdout (node and libuv make their pipes
    /// non-blocking, and the flag belongs to the pipe, not to one process): a plain write then
    /// fails with `EAGAIN` whenever the reader is slower than the run, and the line would be
    /// lost. Here `EAGAIN` waits in `poll` until the pipe has room, and the write goes on. The
    /// corresponding C functions are `write` and `poll`.
    ///
    /// - Throws: ``SystemError`` for any other failure (`EPIPE` once the reader is gone).
    public static func writeAllWaitingForRoom(_ fd: Int32, _ bytes: some Collection<UInt8>, path: String? = nil)
        throws(SystemError)
    {
        let bytes = Array(bytes)
        let name = path ?? "descriptor \(fd)"
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                raw.baseAddress.map { Glibc_write(fd, $0 + offset, raw.count - offset) } ?? 0
            }
            if written > 0 {
                offset += written
                continue
            }
            let code = written == 0 ? EIO : errno
            switch code {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: waitForRoom(fd)
            default: throw SystemError(call: "write", path: name, errno: code)
            }
        }
    }

    /// Opens `path` without waiting for a reader, then makes the descriptor blocking: a FIFO
    /// that no one reads, where a plain `open` for writing would block for good, fails at once
    /// with `ENXIO`; a regular file is opened as usual. The corresponding C functions are `open`
    /// with `O_NONBLOCK` and `fcntl` with `F_SETFL`.
    ///
    /// - Throws: ``SystemError`` naming `path`.
    public static func openWithoutWaiting(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(SystemError) -> Int32 {
        let fd = try open(path, flags | O_NONBLOCK, mode: mode)
        do {
            let current = try retrying("fcntl", path: path) { fcntl(fd, F_GETFL) }
            try retrying("fcntl", path: path) { fcntl(fd, F_SETFL, current & ~O_NONBLOCK) }
        } catch {
            close(fd)
            throw error
        }
        return fd
    }

    private static func waitForRoom(_ fd: Int32) {
        var descriptors = [pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)]
        poll(&descriptors, timeout: nil)
    }
}
