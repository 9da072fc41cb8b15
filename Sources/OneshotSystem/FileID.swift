#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Which file a status names (device and inode): the same file whatever path or descriptor it
/// was reached by, and another one once a name is given to a new file.
struct FileID: Equatable {
    var device: UInt64
    var inode: UInt64

    /// The file `info` (from `fstat`, `fstatat`, `lstat`) is the status of.
    init(_ info: stat) {
        device = UInt64(truncatingIfNeeded: info.st_dev)
        inode = UInt64(truncatingIfNeeded: info.st_ino)
    }
}
