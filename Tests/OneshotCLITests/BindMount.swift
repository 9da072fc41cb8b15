import Foundation

/// A real bind mount of one folder over another, for the tests of what `oneshot clean` must
/// not cross; unmounted (lazily) when released, even after a failed expectation.
final class BindMount {
    let path: String
    private var mounted = false

    /// Bind-mounts `source` at `path` (both created); `nil`, with the reason printed, when this
    /// process may not mount (not root).
    init?(_ source: String, at path: String) throws {
        self.path = path
        for folder in [source, path] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let status = Self.run(["--bind", source, path])
        guard status == 0 else {
            print("skipped: cannot bind-mount \(source) at \(path) (mount exited \(status); root is needed)")
            return nil
        }
        mounted = true
    }

    deinit { unmount() }

    /// Unmounts it, lazily, so that a process with a file open under it cannot keep it.
    func unmount() {
        guard mounted else { return }
        _ = Self.run(["-l", path], executable: "/usr/bin/umount")
        mounted = false
    }

    private static func run(_ arguments: [String], executable: String = "/usr/bin/mount") -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
