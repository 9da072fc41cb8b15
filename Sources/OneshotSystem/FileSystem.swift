#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The file operations the checkpoint makes, behind one protocol so that tests can inject a
/// failure at any step (`FaultInjectingFileSystem`, in the tests' support target).
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
}

extension FileSystem {
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
}

@inline(__always) func Glibc_fsync(_ fd: Int32) -> Int32 { fsync(fd) }
@inline(__always) func Glibc_rename(_ a: String, _ b: String) -> Int32 { rename(a, b) }
@inline(__always) func Glibc_unlink(_ path: String) -> Int32 { unlink(path) }
@inline(__always) func Glibc_flock(_ fd: Int32, _ operation: Int32) -> Int32 { flock(fd, operation) }
@inline(__always) func Glibc_ftruncate(_ fd: Int32, _ length: off_t) -> Int32 { ftruncate(fd, length) }
