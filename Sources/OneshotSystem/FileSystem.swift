#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The file operations the checkpoint makes, reads as well as writes, behind one protocol so that
/// tests can inject a failure at any step (`FaultInjectingFileSystem`, in the tests' support
/// target).
/// ``PosixFileSystem`` is the real one.
///
/// Every method names the C function it stands for and throws ``SystemError`` with the path.
public protocol FileSystem: Sendable {
    /// `open(2)`; `O_CLOEXEC` is always added.
    func open(_ path: String, flags: Int32, mode: mode_t) throws(SystemError) -> Int32
    /// `write(2)` once; may write less than asked. Returns the count written.
    func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(SystemError) -> Int
    /// `fsync(2)`.
    func fsync(_ fd: Int32, path: String) throws(SystemError)
    /// `close(2)`; never retried.
    func close(_ fd: Int32)
    /// `rename(2)`.
    func rename(_ source: String, to destination: String) throws(SystemError)
    /// `unlink(2)`; a missing file is not an error.
    func unlink(_ path: String) throws(SystemError)
    /// `flock(2)`.
    func flock(_ fd: Int32, operation: Int32, path: String) throws(SystemError)
    /// `ftruncate(2)`.
    func truncate(_ fd: Int32, length: Int, path: String) throws(SystemError)
    /// `read(2)` once into `buffer`; may read less than asked. Returns the count read, 0 at the end.
    func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws(SystemError) -> Int
    /// The names in the folder `path` (`opendir(3)`, `readdir(3)`), without `.` and `..`.
    func listDirectory(_ path: String) throws(SystemError) -> [String]
    /// `mkdir(2)` of `path` and of any missing parent (`mkdir -p`).
    func makeDirectories(_ path: String) throws(SystemError)
    /// Whether something exists at `path`, following a symlink (`stat(2)`); `ENOENT` and
    /// `ENOTDIR` mean no.
    func exists(_ path: String) throws(SystemError) -> Bool
    /// The type bits of `st_mode` (`S_IFDIR`, `S_IFREG`, `S_IFLNK`, …) of `path` itself, a
    /// symlink not followed (`lstat(2)`); `nil` when nothing is there (`ENOENT`, `ENOTDIR`).
    func fileType(_ path: String) throws(SystemError) -> mode_t?
    /// `rmdir(2)` of the empty folder `path`.
    func removeDirectory(_ path: String) throws(SystemError)
}

extension FileSystem {
    /// The real `read(2)`, for a file system that only changes writes.
    public func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws(SystemError) -> Int {
        try PosixFileSystem().read(fd, into: buffer, path: path)
    }

    /// The real listing, for a file system that only changes writes.
    public func listDirectory(_ path: String) throws(SystemError) -> [String] {
        try Syscall.listDirectory(path)
    }

    /// The real `mkdir -p`, for a file system that only changes writes.
    public func makeDirectories(_ path: String) throws(SystemError) {
        try Syscall.makeDirectories(path)
    }

    /// The real `stat(2)`, for a file system that only changes writes.
    public func exists(_ path: String) throws(SystemError) -> Bool {
        try PosixFileSystem().exists(path)
    }

    /// The real `lstat(2)`, for a file system that only changes writes.
    public func fileType(_ path: String) throws(SystemError) -> mode_t? {
        try Syscall.fileType(path)
    }

    /// The real `rmdir(2)`, for a file system that only changes writes.
    public func removeDirectory(_ path: String) throws(SystemError) {
        try Syscall.removeDirectory(path)
    }

    /// Removes `path` and, when it is a folder, everything in it, as `rm -rf` does: through
    /// ``fileType(_:)``, ``listDirectory(_:)``, ``unlink(_:)`` and ``removeDirectory(_:)``, so
    /// that a fault injected into any of them stops it. A symlink is removed, never followed;
    /// a folder's names are removed in order.
    ///
    /// - Returns: whether something was there to remove.
    /// - Throws: ``SystemError`` naming the first path that could not be listed or removed; what
    ///   was removed before it stays removed.
    @discardableResult
    public func removeTree(_ path: String) throws(SystemError) -> Bool {
        guard let type = try fileType(path) else { return false }
        if type == S_IFDIR {
            // In name order, so that the same tree always fails at the same path.
            for name in try listDirectory(path).sorted() { try removeTree("\(path)/\(name)") }
            try removeDirectory(path)
        } else {
            try unlink(path)
        }
        return true
    }

    /// Writes all of `bytes`, looping over short writes.
    public func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let result = bytes.withUnsafeBytes { raw in
                Result { () throws(SystemError) -> Int in
                    try write(fd, UnsafeRawBufferPointer(rebasing: raw[offset...]), path: path)
                }
            }
            let written = try result.get()
            if written == 0 { throw SystemError(call: "write", path: path, errno: EIO) }
            offset += written
        }
    }

    /// The whole content of the file at `path`, or `nil` when there is no such file (`ENOENT`).
    /// Every other failure to open or read it throws, naming the path: an unreadable file is
    /// never taken for an absent one.
    public func readFile(_ path: String) throws(SystemError) -> [UInt8]? {
        let fd: Int32
        do {
            fd = try open(path, flags: O_RDONLY, mode: 0)
        } catch  where error.errno == ENOENT {
            return nil
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 256 * 1024)
        while true {
            let result = chunk.withUnsafeMutableBytes { raw in
                Result { () throws(SystemError) -> Int in try read(fd, into: raw, path: path) }
            }
            let count = try result.get()
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk.prefix(count))
        }
    }

    /// Opens the folder `path` and fsyncs it, so that a rename or unlink in it is durable.
    public func fsyncDirectory(_ path: String) throws(SystemError) {
        let fd = try open(path, flags: O_RDONLY | O_DIRECTORY, mode: 0)
        defer { close(fd) }
        try fsync(fd, path: path)
    }
}

/// The real file system, through ``Syscall``.
public struct PosixFileSystem: FileSystem {
    /// Creates one.
    public init() {}

    /// The ``FileSystem`` requirement, through ``Syscall``.
    public func open(_ path: String, flags: Int32, mode: mode_t) throws(SystemError) -> Int32 {
        try Syscall.open(path, flags, mode: mode)
    }

    /// The ``FileSystem`` requirement, through ``Syscall``.
    public func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(SystemError) -> Int {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        return try Syscall.retrying("write", path: path) { Glibc_write(fd, base, bytes.count) }
    }

    /// The ``FileSystem`` requirement, through ``Syscall``.
    public func fsync(_ fd: Int32, path: String) throws(SystemError) {
        // Not retried on EINTR by design of the caller: after a failed fsync the file is abandoned.
        if Glibc_fsync(fd) == -1 { throw SystemError(call: "fsync", path: path, errno: errno) }
    }

    /// The ``FileSystem`` requirement, through ``Syscall``.
    public func close(_ fd: Int32) {
        Syscall.close(fd)
    }

    /// The ``FileSystem`` requirement, through ``Syscall``.
    public func rename(_ source: String, to destination: String) throws(SystemError) {
        try Syscall.retrying("rename", path: destination) { Glibc_rename(source, destination) }
    }

    /// The ``FileSystem`` requirement, through ``Syscall``.
    public func unlink(_ path: String) throws(SystemError) {
        if Glibc_unlink(path) == -1 && errno != ENOENT {
            throw SystemError(call: "unlink", path: path, errno: errno)
        }
    }

    /// The ``FileSystem`` requirement, through ``Syscall``.
    public func flock(_ fd: Int32, operation: Int32, path: String) throws(SystemError) {
        try Syscall.retrying("flock", path: path) { Glibc_flock(fd, operation) }
    }

    /// The ``FileSystem`` requirement, through ``Syscall``.
    public func truncate(_ fd: Int32, length: Int, path: String) throws(SystemError) {
        try Syscall.retrying("ftruncate", path: path) { Glibc_ftruncate(fd, off_t(length)) }
    }

    /// The ``FileSystem`` requirement, through ``Syscall``.
    public func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws(SystemError) -> Int {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return 0 }
        return try Syscall.retrying("read", path: path) { Glibc_read(fd, base, buffer.count) }
    }

    /// The ``FileSystem`` requirement, through ``Syscall``.
    public func listDirectory(_ path: String) throws(SystemError) -> [String] {
        try Syscall.listDirectory(path)
    }

    /// The ``FileSystem`` requirement, through ``Syscall``.
    public func makeDirectories(_ path: String) throws(SystemError) {
        try Syscall.makeDirectories(path)
    }

    /// The ``FileSystem`` requirement, through ``Syscall``.
    public func fileType(_ path: String) throws(SystemError) -> mode_t? {
        try Syscall.fileType(path)
    }

    /// The ``FileSystem`` requirement, through ``Syscall``.
    public func removeDirectory(_ path: String) throws(SystemError) {
        try Syscall.removeDirectory(path)
    }

    /// The ``FileSystem`` requirement, through ``Syscall``.
    public func exists(_ path: String) throws(SystemError) -> Bool {
        var info = stat()
        if Glibc_stat(path, &info) == 0 { return true }
        let code = errno
        if code == ENOENT || code == ENOTDIR { return false }
        throw SystemError(call: "stat", path: path, errno: code)
    }
}

@inline(__always) func Glibc_fsync(_ fd: Int32) -> Int32 { fsync(fd) }
@inline(__always) func Glibc_rename(_ a: String, _ b: String) -> Int32 { rename(a, b) }
@inline(__always) func Glibc_unlink(_ path: String) -> Int32 { unlink(path) }
@inline(__always) func Glibc_flock(_ fd: Int32, _ operation: Int32) -> Int32 { flock(fd, operation) }
@inline(__always) func Glibc_ftruncate(_ fd: Int32, _ length: off_t) -> Int32 { ftruncate(fd, length) }
@inline(__always) func Glibc_read(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, buffer, count)
}
@inline(__always) func Glibc_stat(_ path: String, _ info: inout stat) -> Int32 { stat(path, &info) }
