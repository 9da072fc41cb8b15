#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reading a tree of files: the calls the feature loader makes for every workstream file, with
/// no Foundation in between (its `FileManager` and `URL` calls cost a `stat` and a user and
/// group name look-up per file).
extension Syscall {
    /// The entries of the folder `path`, without `.` and `..`, in the order the folder gives
    /// them, each with the type the folder records (`d_type`). The corresponding C functions are
    /// `opendir` and `readdir`.
    ///
    /// - Throws: ``SystemError`` naming `path` (`ENOENT`, `ENOTDIR`, `EACCES`, `EMFILE`, …).
    public static func directoryEntries(_ path: String) throws(SystemError) -> [DirectoryEntry] {
        let folder = try retrying("opendir", path: path) { Glibc_open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0) }
        defer { close(folder) }
        return try folderEntries(of: folder, path: path).map { entry in
            let name = String(validating: entry.name, as: UTF8.self)
            return DirectoryEntry(
                name: name ?? String(decoding: entry.name, as: UTF8.self), kind: kind(entry.type), nameIsUTF8: name != nil)
        }
    }

    /// What is at `path`, or `nil` when nothing is (`ENOENT`, `ENOTDIR`, or a dangling symlink
    /// when `followingSymlink`). The corresponding C functions are `stat` and `lstat`.
    ///
    /// - Throws: ``SystemError`` naming `path` for any other failure (`EACCES`, `ELOOP`, …).
    public static func kind(of path: String, followingSymlink: Bool) throws(SystemError) -> DirectoryEntry.Kind? {
        try fileType(path, followingSymlink: followingSymlink).map(kind(mode:))
    }

    /// What the symlink at `path` points to, as written in the link. The corresponding C function
    /// is `readlink`.
    ///
    /// - Throws: ``SystemError`` naming `path` (`EINVAL` when it is not a symlink).
    public static func symlinkTarget(_ path: String) throws(SystemError) -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count >= 0 else { throw SystemError(call: "readlink", path: path, errno: errno) }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The whole regular file at `path` (symlinks followed), when it is at most `limit` bytes.
    /// The corresponding C functions are `open` (with `O_NONBLOCK`, so that a FIFO does not
    /// block), `fstat` and `read`: one `fstat` and one `read` for a file that does not change
    /// while it is read.
    ///
    /// - Returns: the bytes; ``WholeFile/notRegular`` for a folder, FIFO, socket or device;
    ///   ``WholeFile/tooLarge(size:)`` for a file over `limit` (or one that grew past it while
    ///   being read).
    /// - Throws: ``SystemError`` naming `path` (`ENOENT`, `EACCES`, `EMFILE`, `EIO`, …).
    public static func readWholeFile(_ path: String, limit: Int) throws(SystemError) -> WholeFile {
        let fd = try open(path, O_RDONLY | O_NONBLOCK)
        defer { close(fd) }
        let info = try status(of: fd, path: path)
        guard info.st_mode & S_IFMT == S_IFREG else { return .notRegular }
        let size = Int(info.st_size)
        guard size <= limit else { return .tooLarge(size: size) }
        // One byte more than the size, to see the end in the same read when nothing changed.
        var bytes = [UInt8](repeating: 0, count: size + 1)
        var count = 0
        while true {
            if count == bytes.count {
                guard count <= limit else { return .tooLarge(size: count) }
                bytes.append(contentsOf: repeatElement(0, count: max(4_096, count)))
            }
            let result = bytes.withUnsafeMutableBytes { raw in
                Result { () throws(SystemError) -> Int in
                    try retrying("read", path: path) { Glibc_read(fd, raw.baseAddress! + count, raw.count - count) }
                }
            }
            let read = try result.get()
            if read == 0 { break }
            count += read
            // A short read that brings a regular file to its size is its end: no second read
            // to be told so (a file that grew past its size is read on until the end).
            if count == size && count < bytes.count { break }
        }
        guard count <= limit else { return .tooLarge(size: count) }
        bytes.removeSubrange(count...)
        return .contents(bytes)
    }

    /// A descriptor open for reading on the regular file at `path`, `nil` when `path` names
    /// anything else (a FIFO, a socket, a device, a folder): the open never blocks (`O_NONBLOCK`:
    /// a FIFO with no writer would hold a plain open for good). The corresponding C functions are
    /// `open` and `fstat`.
    ///
    /// - Throws: ``SystemError`` naming `path` (`ENOENT`, `EACCES`, …).
    public static func openRegularForReading(_ path: String) throws(SystemError) -> Int32? {
        try openRegular(path, O_RDONLY)
    }

    /// A descriptor open with `flags` on the regular file at `path`, `nil` when `path` names
    /// anything else: as ``openRegularForReading(_:)``, for writing too (`O_WRONLY | O_APPEND`:
    /// a FIFO no one reads would hold a plain open for good, and one someone reads would take
    /// the lines). The descriptor keeps `O_NONBLOCK`, which a regular file ignores.
    ///
    /// - Throws: ``SystemError`` naming `path` (`ENOENT`, `EACCES`, …).
    public static func openRegular(_ path: String, _ flags: Int32) throws(SystemError) -> Int32? {
        let fd = try open(path, flags | O_NONBLOCK)
        let type: mode_t
        do {
            type = try fileType(descriptor: fd, path: path)
        } catch {
            close(fd)
            throw error
        }
        guard type == S_IFREG else {
            close(fd)
            return nil
        }
        return fd
    }

    private static func kind(_ type: UInt8) -> DirectoryEntry.Kind {
        switch Int32(type) {
        case Int32(DT_REG): .regular
        case Int32(DT_DIR): .directory
        case Int32(DT_LNK): .symlink
        case Int32(DT_UNKNOWN): .unknown
        default: .other
        }
    }

    private static func kind(mode: mode_t) -> DirectoryEntry.Kind {
        switch mode {
        case S_IFREG: .regular
        case S_IFDIR: .directory
        case S_IFLNK: .symlink
        default: .other
        }
    }
}
