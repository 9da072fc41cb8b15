#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Wakes a reader when files change, to follow logs as commands write them (`oneshot log -f`,
/// `--verbose`) without re-reading them on a timer.
///
/// On Linux it watches through inotify (the corresponding C functions are `inotify_init1` and
/// `inotify_add_watch`; `poll` waits): a folder for files written, created or closed in it, a file for its
/// being written or closed after writing (a run's lock, closed when the run ends however it
/// ends). Elsewhere, or where a watch cannot be added (a folder that does not exist yet), the
/// caller's timeout is the only wake-up, so every wait is bounded.
public final class FileWatcher: Sendable {
    private let inotify: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32

    /// Watches `folders` and `files` that exist now; those that do not are skipped.
    ///
    /// - Throws: ``SystemError`` when the pipe that ``wake()`` writes to cannot be made.
    public init(folders: [String] = [], files: [String] = []) throws(SystemError) {
        (wakeRead, wakeWrite) = try Syscall.pipe(nonBlocking: [.read, .write])
        #if os(Linux)
            let fd = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
            inotify = fd
            guard fd >= 0 else { return }
            for folder in folders {
                _ = inotify_add_watch(fd, folder, UInt32(IN_MODIFY | IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO))
            }
            for file in files {
                _ = inotify_add_watch(fd, file, UInt32(IN_MODIFY | IN_CLOSE_WRITE))
            }
        #else
            inotify = -1
        #endif
    }

    /// How a ``wait(timeout:)`` ended.
    public enum Wake: Sendable, Equatable {
        /// A watched file changed (or may have: the events are drained, not told apart).
        case changed
        /// ``wake()`` was called.
        case woken
        /// `timeout` passed.
        case timedOut
    }

    /// Blocks the calling thread until a watched file changes, ``wake()`` is called, or
    /// `timeout` passes. The corresponding C function is `poll`, restarted on `EINTR`.
    public func wait(timeout: Duration) -> Wake {
        var descriptors = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        if inotify >= 0 { descriptors.append(pollfd(fd: inotify, events: Int16(POLLIN), revents: 0)) }
        let ready = Syscall.poll(&descriptors, timeout: timeout)
        guard ready > 0 else { return .timedOut }
        if descriptors[0].revents != 0 {
            drain(wakeRead)
            return .woken
        }
        drain(inotify)
        return .changed
    }

    /// Ends the current or next ``wait(timeout:)`` at once; callable from any thread.
    public func wake() {
        var byte: UInt8 = 1
        // Raw `write` on the wake-up pipe (see `Syscall`, the one exception): full is the only failure.
        _ = write(wakeWrite, &byte, 1)
    }

    private func drain(_ fd: Int32) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        // Raw `read` of a non-blocking pipe or inotify descriptor (see `Syscall`, the one
        // exception): empty ends it.
        while read(fd, &buffer, buffer.count) > 0 {}
    }

    deinit {
        if inotify >= 0 { Syscall.close(inotify) }
        Syscall.close(wakeRead)
        Syscall.close(wakeWrite)
    }
}
