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
        /// Opening a file for writing (not a folder).
        case open
        /// Opening a file for reading only.
        case openForReading
        /// Reading from a file.
        case read
        /// Listing a folder.
        case listDirectory
        /// Creating a folder and its parents.
        case makeDirectories
        /// Asking whether a path exists.
        case exists
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
        /// Asking what is at a path, a symlink not followed.
        case fileType
        /// Removing an empty folder.
        case removeDirectory
    }

    private struct Plan {
        var failures: [Operation: (errno: Int32, remaining: Int, path: String?)] = [:]
        var hooks: [Operation: (path: String, action: @Sendable () -> Void)] = [:]
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

    /// Makes the next `times` calls of `operation` fail with `errno`; with `path`, only the calls
    /// on a path containing it.
    public func fail(_ operation: Operation, errno: Int32, times: Int = 1, path: String? = nil) {
        plan.withLock { $0.failures[operation] = (errno, times, path) }
    }

    /// Runs `action` once, just before the next call of `operation` on a path containing `path`
    /// is made: what is on disk then is what a crash at that instant leaves.
    public func before(_ operation: Operation, path: String, run action: @escaping @Sendable () -> Void) {
        plan.withLock { $0.hooks[operation] = (path, action) }
    }

    /// Makes every write write at most 7 bytes, to exercise the short-write loop.
    public func shortenWrites() {
        plan.withLock { $0.shortWrites = true }
    }

    /// The operations called so far, as `"fsync path"` strings.
    public var calls: [String] { plan.withLock { $0.calls } }

    private func check(_ operation: Operation, _ path: String) throws(SystemError) {
        let hook: (@Sendable () -> Void)? = plan.withLock { plan in
            guard let hook = plan.hooks[operation], path.contains(hook.path) else { return nil }
            plan.hooks[operation] = nil
            return hook.action
        }
        hook?()
        let code: Int32? = plan.withLock { plan in
            plan.calls.append("\(operation.rawValue) \(path)")
            guard let failure = plan.failures[operation], failure.remaining > 0 else { return nil }
            if let part = failure.path, !path.contains(part) { return nil }
            plan.failures[operation] = (failure.errno, failure.remaining - 1, failure.path)
            return failure.errno
        }
        if let code {
            let call =
                switch operation {
                case .fsyncDirectory: "fsync"
                case .openForReading: "open"
                case .listDirectory: "opendir"
                case .makeDirectories: "mkdir"
                case .exists: "stat"
                case .fileType: "lstat"
                case .removeDirectory: "rmdir"
                default: operation.rawValue
                }
            throw SystemError(call: call, path: path, errno: code)
        }
    }

    /// The ``FileSystem`` requirement, passed to the wrapped file system unless a failure is planned.
    public func open(_ path: String, flags: Int32, mode: mode_t) throws(SystemError) -> Int32 {
        if flags & O_DIRECTORY == 0 { try check(flags & (O_WRONLY | O_RDWR) == 0 ? .openForReading : .open, path) }
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

    /// The ``FileSystem`` requirement, passed to the wrapped file system unless a failure is planned.
    public func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws(SystemError) -> Int {
        try check(.read, path)
        return try base.read(fd, into: buffer, path: path)
    }

    /// The ``FileSystem`` requirement, passed to the wrapped file system unless a failure is planned.
    public func listDirectory(_ path: String) throws(SystemError) -> [String] {
        try check(.listDirectory, path)
        return try base.listDirectory(path)
    }

    /// The ``FileSystem`` requirement, passed to the wrapped file system unless a failure is planned.
    public func makeDirectories(_ path: String) throws(SystemError) {
        try check(.makeDirectories, path)
        try base.makeDirectories(path)
    }

    /// The ``FileSystem`` requirement, passed to the wrapped file system unless a failure is planned.
    public func exists(_ path: String) throws(SystemError) -> Bool {
        try check(.exists, path)
        return try base.exists(path)
    }

    /// The ``FileSystem`` requirement, passed to the wrapped file system unless a failure is planned.
    public func fileType(_ path: String) throws(SystemError) -> mode_t? {
        try check(.fileType, path)
        return try base.fileType(path)
    }

    /// The ``FileSystem`` requirement, passed to the wrapped file system unless a failure is planned.
    public func removeDirectory(_ path: String) throws(SystemError) {
        try check(.removeDirectory, path)
        try base.removeDirectory(path)
    }
}
