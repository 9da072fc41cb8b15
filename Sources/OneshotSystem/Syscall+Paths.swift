#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Paths, offsets and terminals: the calls the commands make on files they do not write
/// through a ``FileSystem``.
extension Syscall {
    /// `path` made absolute, with every symlink, `.` and `..` resolved. The corresponding C
    /// function is `realpath`.
    ///
    /// - Throws: ``SystemError`` naming `path` (`ENOENT` when it or a folder on the way is missing).
    public static func resolvedPath(_ path: String) throws(SystemError) -> String {
        guard let resolved = realpath(path, nil) else { throw SystemError(call: "realpath", path: path, errno: errno) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Makes `path` the current folder of the process. The corresponding C function is `chdir`.
    ///
    /// - Throws: ``SystemError`` naming `path`.
    public static func changeDirectory(_ path: String) throws(SystemError) {
        try retrying("chdir", path: path) { chdir(path) }
    }

    /// The size of the file open as `fd`, which is also where an appending write lands. The
    /// corresponding C function is `lseek(fd, 0, SEEK_END)`.
    ///
    /// - Throws: ``SystemError`` naming `path` (`ESPIPE` for a pipe).
    public static func seekToEnd(_ fd: Int32, path: String) throws(SystemError) -> Int {
        Int(try retrying("lseek", path: path) { lseek(fd, 0, SEEK_END) })
    }

    /// How many names the file open as `fd` has: none once each was removed (its folder
    /// deleted), when the file lives on only through its descriptors. The corresponding C
    /// function is `fstat`.
    ///
    /// - Throws: ``SystemError`` naming `path`.
    public static func linkCount(_ fd: Int32, path: String) throws(SystemError) -> Int {
        Int(try status(of: fd, path: path).st_nlink)
    }

    /// The type of the file open as `fd` (`S_IFREG`, `S_IFIFO`, …): unlike its path's, it cannot
    /// change under the caller. The corresponding C function is `fstat`.
    ///
    /// - Throws: ``SystemError`` naming `path`.
    public static func fileType(descriptor fd: Int32, path: String) throws(SystemError) -> mode_t {
        try status(of: fd, path: path).st_mode & S_IFMT
    }

    /// Removes `path` if it still names the file open as `fd` (the same device and inode): a
    /// file put in its place since it was opened is left where it is. The corresponding C
    /// functions are `fstat`, `fstatat` (a symlink not followed) and `unlink`.
    ///
    /// - Returns: whether it removed it.
    /// - Throws: ``SystemError`` naming `path`.
    @discardableResult
    public static func removeIfStill(_ path: String, openAs fd: Int32) throws(SystemError) -> Bool {
        let open = FileID(try status(of: fd, path: path))
        let named = try entryStatus(Array(path.utf8), in: AT_FDCWD, path: path).map(FileID.init)
        guard named == open else { return false }
        try retrying("unlink", path: path) { unlink(path) }
        return true
    }

    /// What `fstat` says of the file open as `fd`: the one wrapper the questions above share.
    static func status(of fd: Int32, path: String) throws(SystemError) -> stat {
        var info = stat()
        try retrying("fstat", path: path) { fstat(fd, &info) }
        return info
    }

    /// Reads up to `count` bytes from `fd` at `offset`, without moving the descriptor's offset.
    /// The corresponding C function is `pread`.
    ///
    /// - Returns: the bytes read: fewer than `count` near the end, none at the end.
    /// - Throws: ``SystemError`` naming `path`.
    public static func read(_ fd: Int32, count: Int, at offset: Int, path: String) throws(SystemError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(0, count))
        let result = bytes.withUnsafeMutableBytes { raw in
            Result { () throws(SystemError) -> Int in
                try retrying("pread", path: path) { pread(fd, raw.baseAddress, raw.count, off_t(offset)) }
            }
        }
        bytes.removeSubrange(try result.get()...)
        return bytes
    }

    /// Whether `fd` is a terminal. The corresponding C function is `isatty`.
    public static func isTerminal(_ fd: Int32) -> Bool {
        isatty(fd) == 1
    }

    /// What is at `path` itself (a symlink is not followed): its `st_mode` type bits (`S_IFDIR`,
    /// `S_IFREG`, `S_IFLNK`, …), or `nil` when nothing is there. The corresponding C function is
    /// `lstat`.
    ///
    /// - Throws: ``SystemError`` naming `path` for any failure but `ENOENT` and `ENOTDIR`.
    public static func fileType(_ path: String, followingSymlink: Bool = false) throws(SystemError) -> mode_t? {
        var info = stat()
        let result = followingSymlink ? stat(path, &info) : lstat(path, &info)
        if result == 0 { return info.st_mode & S_IFMT }
        let code = errno
        if code == ENOENT || code == ENOTDIR { return nil }
        throw SystemError(call: followingSymlink ? "stat" : "lstat", path: path, errno: code)
    }

    /// The inode number of what `path` names, symlinks followed (`/proc/self/ns/pid` names this
    /// process's pid namespace by it). The corresponding C function is `stat`.
    ///
    /// - Throws: ``SystemError`` naming `path`.
    public static func inodeNumber(_ path: String) throws(SystemError) -> UInt64 {
        var info = stat()
        try retrying("stat", path: path) { stat(path, &info) }
        return UInt64(info.st_ino)
    }

    /// Removes the empty folder `path`. The corresponding C function is `rmdir`.
    ///
    /// - Throws: ``SystemError`` naming `path` (`ENOTEMPTY` when something is still in it).
    public static func removeDirectory(_ path: String) throws(SystemError) {
        try retrying("rmdir", path: path) { rmdir(path) }
    }
}
