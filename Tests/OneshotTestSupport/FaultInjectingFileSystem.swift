import OneshotSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A ``FileSystem`` that fails chosen operations, for tests of what a failure at each step of a
/// write leaves behind. Everything else goes to the wrapped file system.
public final class FaultInjectingFileSystem: FileSystem {
    /// An operation that can be made to fail.
    public enum Operation: String, Sendable, CaseIterable {
        /// Opening a file (not a folder).
        case open
        /// Writing to a file.
        case write
        /// fsync of a file (not a folder).
        case fsync
        /// Renaming.
        case rename
        /// fsync of a folder.
        case fsyncDirectory
        /// Removing a file.
        case unlink
    }

    private struct Plan {
        var failures: [Operation: (errno: Int32, remaining: Int)] = [:]
        var shortWrites = false
        var calls: [String] = []
    }

    private let base: any FileSystem
    private let plan = Mutex(Plan())
    private let directoryFDs = Mutex(Set<Int32>())

    /// Wraps `base`.
    public init(wrapping base: any FileSystem = PosixFileSystem()) {
        self.base = base
    }

    /// Makes the next `times` calls of `operation` fail with `errno`.
    public func fail(_ operation: Operation, errno: Int32, times: Int = 1) {
        plan.withLock { $0.failures[operation] = (errno, times) }
    }

    /// Makes every write write at most 7 bytes, to exercise the short-write loop.
    public func shortenWrites() {
        plan.withLock { $0.shortWrites = true }
    }

    /// The operations called so far, as `"fsync path"` strings.
    public var calls: [String] { plan.withLock { $0.calls } }

    private func check(_ operation: Operation, _ path: String) throws(SystemError) {
        let code: Int32? = plan.withLock { plan in
            plan.calls.append("\(operation.rawValue) \(path)")
            guard let failure = plan.failures[operation], failure.remaining > 0 else { return nil }
            plan.failures[operation] = (failure.errno, failure.remaining - 1)
            return failure.errno
        }
        if let code {
            let call = operation == .fsyncDirectory ? "fsync" : operation.rawValue
            throw SystemError(call: call, path: path, errno: code)
        }
    }

    /// The ``FileSystem`` requirement, passed to the wrapped file system unless a failure is planned.
    public func open(_ path: String, flags: Int32, mode: mode_t) throws(SystemError) -> Int32 {
        if flags & O_DIRECTORY == 0 { try check(.open, path) }
        let fd = try base.open(path, flags: flags, mode: mode)
        if flags & O_DIRECTORY != 0 { _ = directoryFDs.withLock { $0.insert(fd) } }
        return fd
    }

    /// The ``FileSystem`` requirement, passed to the wrapped file system unless a failure is planned.
    public func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(SystemError) -> Int {
        try check(.write, path)
        let short = plan.withLock { $0.shortWrites }
        return try base.write(fd, short ? UnsafeRawBufferPointer(rebasing: bytes.prefix(7)) : bytes, path: path)
    }

    /// The ``FileSystem`` requirement, passed to the wrapped file system unless a failure is planned.
    public func fsync(_ fd: Int32, path: String) throws(SystemError) {
        let isDirectory = directoryFDs.withLock { $0.contains(fd) }
        try check(isDirectory ? .fsyncDirectory : .fsync, path)
        try base.fsync(fd, path: path)
    }

    /// The ``FileSystem`` requirement, passed to the wrapped file system unless a failure is planned.
    public func close(_ fd: Int32) {
        _ = directoryFDs.withLock { $0.remove(fd) }
        base.close(fd)
    }

    /// The ``FileSystem`` requirement, passed to the wrapped file system unless a failure is planned.
    public func rename(_ source: String, to destination: String) throws(SystemError) {
        try check(.rename, destination)
        try base.rename(source, to: destination)
    }

    /// The ``FileSystem`` requirement, passed to the wrapped file system unless a failure is planned.
    public func unlink(_ path: String) throws(SystemError) {
        try check(.unlink, path)
        try base.unlink(path)
    }

    /// The ``FileSystem`` requirement, passed to the wrapped file system unless a failure is planned.
    public func flock(_ fd: Int32, operation: Int32, path: String) throws(SystemError) {
        try base.flock(fd, operation: operation, path: path)
    }

    /// The ``FileSystem`` requirement, passed to the wrapped file system unless a failure is planned.
    public func truncate(_ fd: Int32, length: Int, path: String) throws(SystemError) {
        try base.truncate(fd, length: length, path: path)
    }
}
