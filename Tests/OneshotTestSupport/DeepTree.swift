import OneshotSystem

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A chain of folders deeper than a path can name (`PATH_MAX`) or than a process may hold
/// descriptors for: made one level at a time relative to the level above (`mkdirat`, `openat`),
/// so that no path is ever resolved whole.
public enum DeepTree {
    /// Makes `depth` nested folders named `name` in the folder `path`, each but the last also
    /// holding an empty file named `file` (when given), and the last holding `file` alone.
    public static func make(in path: String, depth: Int, name: [UInt8], file: [UInt8]? = nil) throws(SystemError) {
        var folder = try Syscall.open(path, O_RDONLY | O_DIRECTORY)
        defer { Syscall.close(folder) }
        for _ in 0..<depth {
            if let file { try touch(file, in: folder) }
            try bytes(name) { (cName) throws(SystemError) in
                guard mkdirat(folder, cName, 0o755) == 0 else { throw SystemError(call: "mkdirat", path: path, errno: errno) }
                let next = openat(folder, cName, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                guard next >= 0 else { throw SystemError(call: "openat", path: path, errno: errno) }
                Syscall.close(folder)
                folder = next
            }
        }
        if let file { try touch(file, in: folder) }
    }

    /// How many levels of folders named `name` there are from `path` down (0 when `path` has
    /// none), counted relative to each level.
    public static func depth(in path: String, name: [UInt8]) -> Int {
        guard var folder = try? Syscall.open(path, O_RDONLY | O_DIRECTORY) else { return 0 }
        defer { Syscall.close(folder) }
        var depth = 0
        while let next = try? Syscall.openFolder(name, in: folder, path: path) {
            Syscall.close(folder)
            folder = next
            depth += 1
        }
        return depth
    }

    private static func touch(_ name: [UInt8], in folder: Int32) throws(SystemError) {
        try bytes(name) { (cName) throws(SystemError) in
            let fd = openat(folder, cName, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw SystemError(call: "openat", path: ByteName.text(name), errno: errno) }
            Syscall.close(fd)
        }
    }

    private static func bytes(
        _ name: [UInt8], _ body: (UnsafePointer<CChar>) throws(SystemError) -> Void
    ) throws(SystemError) {
        let terminated = name + [0]
        let result = terminated.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { chars in
                Result { () throws(SystemError) in try body(chars.baseAddress!) }
            }
        }
        try result.get()
    }
}
