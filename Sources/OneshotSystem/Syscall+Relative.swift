#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Calls relative to an opened folder (`openat`, `fstatat`, `unlinkat`), with names as the
/// folder's bytes: nothing is resolved through a path string a symlink could redirect, and a
/// name that is not UTF-8 still names its file.
extension Syscall {
    /// Opens the folder `name` in the folder `folder`, not following a symlink (`ELOOP` then).
    /// The corresponding C function is `openat` with `O_DIRECTORY | O_NOFOLLOW`.
    ///
    /// - Parameter path: the folder's path, for the error.
    public static func openFolder(_ name: [UInt8], in folder: Int32, path: String) throws(SystemError) -> Int32 {
        try withCName(name) { (cName) throws(SystemError) -> Int32 in
            try retrying("open", path: path) { openat(folder, cName, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) }
        }
    }

    /// The type bits of `st_mode` of the entry `name` in `folder` itself, a symlink not
    /// followed; `nil` when nothing is there. The corresponding C function is `fstatat` with
    /// `AT_SYMLINK_NOFOLLOW`.
    public static func entryType(_ name: [UInt8], in folder: Int32, path: String) throws(SystemError) -> mode_t? {
        try entryStatus(name, in: folder, path: path).map { $0.st_mode & S_IFMT }
    }

    /// The status of the entry `name` in `folder` itself, a symlink not followed; `nil` when
    /// nothing is there. The corresponding C function is `fstatat` with `AT_SYMLINK_NOFOLLOW`.
    static func entryStatus(_ name: [UInt8], in folder: Int32, path: String) throws(SystemError) -> stat? {
        try withCName(name) { (cName) throws(SystemError) -> stat? in
            var info = stat()
            while fstatat(folder, cName, &info, AT_SYMLINK_NOFOLLOW) != 0 {
                let code = errno
                if code == EINTR { continue }
                if code == ENOENT || code == ENOTDIR { return nil }
                throw SystemError(call: "lstat", path: path, errno: code)
            }
            return info
        }
    }

    /// Removes the entry `name` from `folder`: the link itself for a symlink, an empty folder
    /// when `isFolder`. A name already gone is not an error. The corresponding C function is
    /// `unlinkat` (with `AT_REMOVEDIR` for a folder).
    public static func removeEntry(_ name: [UInt8], in folder: Int32, isFolder: Bool, path: String) throws(SystemError) {
        try withCName(name) { (cName) throws(SystemError) in
            while unlinkat(folder, cName, isFolder ? AT_REMOVEDIR : 0) == -1 {
                let code = errno
                if code == EINTR { continue }
                if code == ENOENT { return }
                throw SystemError(call: isFolder ? "rmdir" : "unlink", path: path, errno: code)
            }
        }
    }

    /// The names in the opened folder `folder`, as its bytes, without `.` and `..`, each with the
    /// type the folder records (`nil` when it does not say). The corresponding C functions are
    /// `dup`, `fdopendir` and `readdir`; `folder` stays open.
    public static func rawEntries(of folder: Int32, path: String) throws(SystemError) -> [(name: [UInt8], type: mode_t?)] {
        try folderEntries(of: folder, path: path).map { ($0.name, entryType($0.type)) }
    }

    /// The names in the opened folder `folder` with their `d_type`, without `.` and `..`: the
    /// one `readdir` loop, over a copy of the descriptor (`folder` stays open, read from the top
    /// whatever read it before).
    static func folderEntries(of folder: Int32, path: String) throws(SystemError) -> [(name: [UInt8], type: UInt8)] {
        let copy = try retrying("dup", path: path) { fcntl(folder, F_DUPFD_CLOEXEC, 0) }
        guard let stream = fdopendir(copy) else {
            let code = errno
            close(copy)
            throw SystemError(call: "opendir", path: path, errno: code)
        }
        defer { closedir(stream) }
        // A copy shares its offset with `folder`: start from the top whatever read it before.
        rewinddir(stream)
        var entries: [(name: [UInt8], type: UInt8)] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw SystemError(call: "readdir", path: path, errno: errno) }
                return entries
            }
            let name = withUnsafeBytes(of: &entry.pointee.d_name) { Array($0.prefix(while: { $0 != 0 })) }
            if name != [0x2E] && name != [0x2E, 0x2E] { entries.append((name, entry.pointee.d_type)) }
        }
    }

    /// Which file system and which mount the opened `fd` is on: the device (`fstat`'s `st_dev`)
    /// and, on Linux, the mount id (`statx` with `STATX_MNT_ID`), which tells a bind mount of a
    /// folder of the same file system apart, where the device is the same.
    public static func mountIdentity(of fd: Int32, path: String) throws(SystemError) -> MountIdentity {
        MountIdentity(device: UInt64(try status(of: fd, path: path).st_dev), mountID: mountID(of: fd))
    }

    private static func mountID(of fd: Int32) -> UInt64? {
        #if os(Linux)
            // statx(2) is not in Swift's Glibc module: looked up by name; its buffer is 256 bytes,
            // `stx_mask` at 0 and `stx_mnt_id` at 144 (linux/stat.h).
            guard let statx = statxFunction else { return nil }
            let emptyPath = Int32(0x1000)  // AT_EMPTY_PATH
            let wantsMountID = UInt32(0x1000)  // STATX_MNT_ID
            var buffer = [UInt8](repeating: 0, count: 256)
            let result = buffer.withUnsafeMutableBytes { raw in statx(fd, "", emptyPath, wantsMountID, raw.baseAddress!) }
            guard result == 0 else { return nil }
            return buffer.withUnsafeBytes { raw in
                raw.load(fromByteOffset: 0, as: UInt32.self) & wantsMountID != 0
                    ? raw.load(fromByteOffset: 144, as: UInt64.self) : nil
            }
        #else
            return nil
        #endif
    }

    #if os(Linux)
        private static let statxFunction = HiddenLibCFunction.lookUp(
            "statx", as: (@convention(c) (Int32, UnsafePointer<CChar>, Int32, UInt32, UnsafeMutableRawPointer) -> Int32).self)
    #endif

    private static func withCName<T>(
        _ name: [UInt8], _ body: (UnsafePointer<CChar>) throws(SystemError) -> T
    ) throws(SystemError) -> T {
        let terminated = name + [0]
        let result = terminated.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                Result { () throws(SystemError) -> T in try body(chars.baseAddress!) }
            }
        }
        return try result.get()
    }

    private static func entryType(_ type: UInt8) -> mode_t? {
        switch Int32(type) {
        case Int32(DT_REG): S_IFREG
        case Int32(DT_DIR): S_IFDIR
        case Int32(DT_LNK): S_IFLNK
        default: nil
        }
    }
}
