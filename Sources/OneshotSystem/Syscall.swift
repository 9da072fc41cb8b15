#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The one place where libc calls are made and their `errno` read: no module but
/// `OneshotSystem` calls the C library (the others use `Syscall`, ``FileSystem`` and the types
/// built on them).
///
/// Each helper reads `errno` immediately after the call, retries `EINTR` where that is safe
/// (never for `close`), and throws a ``SystemError`` naming the call and the path.
///
/// The one exception is the wake-up pipes: the handlers of `SignalRelay` and `ChildStopWatcher`
/// and the wake-ups of `EventLoop` and `FileWatcher` call `write` on them directly, and their
/// readers (`NamedThread.readingPipe`, `EventLoop`, `FileWatcher`) drain them with plain `read`s.
/// A signal handler may run only async-signal-safe code — no allocation, no lock, no Swift
/// error — so it calls `write` itself and restores `errno`; a write that fails finds the pipe
/// full, which already holds a wake-up, and a read that fails finds it empty: neither failure is
/// worth an error. Each such site says so.
public enum Syscall {
    /// Runs `body` until it returns something other than `-1` with `EINTR`.
    ///
    /// - Parameters:
    ///   - call: the C function's name, for the error.
    ///   - path: the path the call is about, for the error.
    ///   - body: the call; it returns `-1` and sets `errno` on failure.
    /// - Returns: the call's non-negative result.
    /// - Throws: ``SystemError`` for any failure other than `EINTR`.
    @discardableResult
    public static func retrying<T: FixedWidthInteger>(
        _ call: String,
        path: String? = nil,
        _ body: () -> T
    ) throws(SystemError) -> T {
        while true {
            let result = body()
            if result != -1 { return result }
            let code = errno
            if code == EINTR { continue }
            throw SystemError(call: call, path: path, errno: code)
        }
    }

    /// Opens `path`. The corresponding C function is `open`; `O_CLOEXEC` is always added so that
    /// no child process inherits the descriptor.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(SystemError) -> Int32 {
        try retrying("open", path: path) { Glibc_open(path, flags | O_CLOEXEC, mode) }
    }

    /// Writes all of `bytes` to `fd`, looping over short writes. The corresponding C function is `write`.
    public static func writeAll(_ fd: Int32, _ bytes: some Collection<UInt8>, path: String? = nil) throws(SystemError) {
        try PosixFileSystem().writeAll(fd, Array(bytes), path: path ?? "descriptor \(fd)")
    }

    /// Closes `fd`, ignoring errors: `close` is never retried, since the descriptor is released
    /// even when it reports `EINTR`.
    public static func close(_ fd: Int32) {
        _ = Glibc_close(fd)
    }

    /// Sends `signal` to `pid` (a negative `pid` names a process group). The corresponding C
    /// function is `kill`. `ESRCH` (no such process) is not an error: the target is gone.
    public static func kill(_ pid: pid_t, _ signal: Int32) throws(SystemError) {
        let result = Glibc_kill(pid, signal)
        if result == -1 && errno != ESRCH {
            throw SystemError(call: "kill", path: "pid \(pid)", errno: errno)
        }
    }
}

extension Syscall {
    /// Removes the file at `path` if there is one. The corresponding C functions are `access`
    /// and `unlink`: `access` first, because unlinking takes the folder's write lock even when
    /// there is nothing to remove (measured on the launch path). A file that is already gone is
    /// not an error.
    public static func removeIfPresent(_ path: String) throws(SystemError) {
        guard Glibc_access(path, F_OK) == 0 else { return }
        if Glibc_unlink(path) == -1 && errno != ENOENT {
            throw SystemError(call: "unlink", path: path, errno: errno)
        }
    }

    /// Whether the file at `path` exists and this process may execute it. The corresponding C
    /// function is `access` with `X_OK`.
    public static func isExecutable(_ path: String) -> Bool {
        Glibc_access(path, X_OK) == 0
    }
}

// Unqualified names inside `Syscall` would resolve to its own static members; these aliases
// name the C functions explicitly.
@inline(__always) func Glibc_open(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { open(path, flags, mode) }
@inline(__always) func Glibc_write(_ fd: Int32, _ buf: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buf, count) }
@inline(__always) func Glibc_close(_ fd: Int32) -> Int32 { close(fd) }
@inline(__always) func Glibc_kill(_ pid: pid_t, _ sig: Int32) -> Int32 { kill(pid, sig) }
@inline(__always) func Glibc_access(_ path: String, _ mode: Int32) -> Int32 { access(path, mode) }

extension Syscall {
    /// Creates `path` and any missing parents (`mkdir -p`). The corresponding C function is `mkdir`.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, mode) == -1 {
                let code = errno
                var info = stat()
                let isFolder = stat(prefix, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
                if !(code == EEXIST && isFolder) {
                    if code == EEXIST, let target = danglingLinkTarget(prefix) {
                        throw SystemError(
                            call: "mkdir", path: "\(prefix) (a dangling symlink: \(target) does not exist)", errno: ENOENT)
                    }
                    throw SystemError(call: "mkdir", path: prefix, errno: code == EEXIST ? ENOTDIR : code)
                }
            }
            prefix += "/"
        }
    }
}

extension Syscall {
    /// The names in the folder `path`, without `.` and `..` (``directoryEntries(_:)`` without
    /// the types). The corresponding C functions are `opendir` and `readdir`.
    public static func listDirectory(_ path: String) throws(SystemError) -> [String] {
        try directoryEntries(path).map(\.name)
    }
}

extension Syscall {
    /// What the symlink at `path` points to, when it is a symlink whose target does not exist.
    /// The corresponding C function is `readlink`.
    static func danglingLinkTarget(_ path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK, stat(path, &info) == -1, errno == ENOENT else {
            return nil
        }
        return try? symlinkTarget(path)
    }
}

extension Syscall {
    /// The first `limit` bytes of the file at `path`, or `nil` when it cannot be opened or read.
    ///
    /// For the small files read once per command (`/proc/<pid>/stat`, a command's report): one
    /// `open`, `read` until the end or the limit, one `close`, and no Foundation.
    public static func readSmallFile(_ path: String, limit: Int = 65_536) -> [UInt8]? {
        guard let fd = try? open(path, O_RDONLY) else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4_096)
        while bytes.count < limit {
            let wanted = min(chunk.count, limit - bytes.count)
            guard
                let count = try? retrying(
                    "read", path: path, { chunk.withUnsafeMutableBytes { Glibc_read(fd, $0.baseAddress!, wanted) } })
            else { return nil }
            if count == 0 { break }
            bytes.append(contentsOf: chunk.prefix(count))
        }
        return bytes
    }
}
