import Foundation
import OneshotSystem

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A real mount a test makes (a small `tmpfs` for `ENOSPC`, a bind mount), that outlives no test
/// process: a `defer` or `deinit` does not run when the test process is killed (SIGKILL, a time
/// limit), so before each mount is made its owner (the test process's pid and start time) is
/// recorded in a marker in ``registry``, and every new mount first unmounts the mounts whose
/// owner is gone and removes the folders they were made in. A live process's mounts are never
/// touched: a pid is judged with its start time, so a reused pid is no owner.
public final class TestMount: @unchecked Sendable {
    // @unchecked: `mounted` is changed only by the test that owns the mount, on its own thread.

    /// Who made a mount: a process, told apart from a later one with the same pid by the time
    /// it started (`/proc/<pid>/stat` field 22, clock ticks since boot).
    public struct Owner: Sendable, Equatable {
        /// The process id.
        public var pid: Int32
        /// Its start time, in clock ticks since boot.
        public var startTime: UInt64

        /// Creates one.
        public init(pid: Int32, startTime: UInt64) {
            self.pid = pid
            self.startTime = startTime
        }

        /// This test process.
        public static var current: Owner? { of(getpid()) }

        /// The live process `pid`, or `nil` when there is none (a zombie counts as gone).
        public static func of(_ pid: Int32) -> Owner? {
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            // After `comm`: state (field 3) … starttime (field 22).
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 19, fields[0] != "Z", fields[0] != "X", let start = UInt64(fields[19]) else { return nil }
            return Owner(pid: pid, startTime: start)
        }

        /// Whether this process still runs.
        public var isAlive: Bool { Self.of(pid) == self }
    }

    /// The folder of the markers, one per mount: shared by every test process on the machine, so
    /// that any of them unmounts what a killed one left.
    public static let registry = NSTemporaryDirectory() + "oneshot-test-mounts"

    /// The mount point.
    public let path: String
    /// The folder the test made for it, removed with it when its owner is gone.
    public let folder: String
    private let marker: String
    private var mounted = true

    private init(path: String, folder: String, marker: String) {
        self.path = path
        self.folder = folder
        self.marker = marker
    }

    deinit { unmount() }

    /// Mounts a `tmpfs` of `size` (`512k`) at `path` (created); `nil`, with the reason printed,
    /// when this process may not mount (not root, not Linux).
    ///
    /// - Parameters:
    ///   - folder: what to remove with it once its owner is gone; by default the folder right
    ///     under the temporary folder that holds `path` (the test's project).
    ///   - owner: who owns it; this process unless a test of this type says otherwise.
    public static func tmpfs(at path: String, size: String, folder: String? = nil, owner: Owner? = nil) throws -> TestMount? {
        try make(at: path, folder: folder, owner: owner, what: "a tmpfs") {
            #if os(Linux)
                mount("tmpfs", path, "tmpfs", 0, "size=\(size)")
            #else
                -1
            #endif
        }
    }

    /// Bind-mounts `source` (created) at `path` (created); `nil`, with the reason printed, when
    /// this process may not mount; `folder` and `owner` as for ``tmpfs(at:size:folder:owner:)``.
    public static func bind(_ source: String, at path: String, folder: String? = nil, owner: Owner? = nil) throws -> TestMount? {
        try FileManager.default.createDirectory(atPath: source, withIntermediateDirectories: true)
        return try make(at: path, folder: folder, owner: owner, what: "\(source) bound") {
            #if os(Linux)
                mount(source, path, nil, UInt(MS_BIND), nil)
            #else
                -1
            #endif
        }
    }

    /// Bind-mounts the file `source` over the file `path` (both must exist); `nil`, with the
    /// reason printed, when this process may not mount.
    public static func bind(file source: String, at path: String, folder: String? = nil) throws -> TestMount? {
        try make(at: path, folder: folder, owner: nil, what: "\(source) bound", makingFolder: false) {
            #if os(Linux)
                mount(source, path, nil, UInt(MS_BIND), nil)
            #else
                -1
            #endif
        }
    }

    /// Remounts a tmpfs of `size` read-only: every change under it then fails with `EROFS`.
    public func makeReadOnly(size: String) -> Bool {
        #if os(Linux)
            mount("tmpfs", path, "tmpfs", UInt(MS_REMOUNT | MS_RDONLY), "size=\(size)") == 0
        #else
            false
        #endif
    }

    /// Unmounts it, lazily, so that a process with a file open under it cannot keep it, and
    /// removes its marker. The folder is the test's to remove.
    public func unmount() {
        guard mounted else { return }
        Self.detach(path)
        unlink(marker)
        mounted = false
    }

    /// Unmounts every mount of ``registry`` whose owner is gone, then removes the folders they
    /// were made in (never across a mount still there), then their markers.
    public static func reapStale() {
        let markers = ((try? FileManager.default.contentsOfDirectory(atPath: registry)) ?? [])
            .filter { $0.hasSuffix(".mount") }.map { registry + "/" + $0 }
        let stale = markers.compactMap { marker in Record(reading: marker).map { (marker, $0) } }
            .filter { !$0.1.owner.isAlive }
        // All of them first: a folder may hold another stale mount.
        for (_, record) in stale { detach(record.mountPoint) }
        for (marker, record) in stale {
            let parent = (record.folder as NSString).deletingLastPathComponent
            let name = Array((record.folder as NSString).lastPathComponent.utf8)
            switch try? TreeRemoval(root: parent).remove([name]) {
            case .absent?, .removed?: unlink(marker)
            // Something left (a mount still there) or failed: tried again by the next reaper.
            default: continue
            }
        }
    }

    /// Whether `path` is a mount point now (`/proc/self/mountinfo`).
    public static func isMountPoint(_ path: String) -> Bool {
        guard let table = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return false }
        return table.split(separator: "\n").contains { $0.split(separator: " ").dropFirst(4).first.map(String.init) == path }
    }

    private static func make(
        at path: String, folder: String?, owner: Owner?, what: String, makingFolder: Bool = true, _ mountIt: () -> Int32
    ) throws -> TestMount? {
        reapStale()
        if makingFolder { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        try FileManager.default.createDirectory(atPath: registry, withIntermediateDirectories: true)
        guard let owner = owner ?? Owner.current else {
            print("skipped: cannot mount \(what) at \(path): no /proc/self/stat to record its owner by (Linux is needed)")
            return nil
        }
        let folder = folder ?? defaultFolder(for: path)
        let marker = registry + "/" + UUID().uuidString + ".mount"
        // Before the mount: a process killed right after mounting has its mount on record.
        try Record(owner: owner, mountPoint: path, folder: folder).write(to: marker)
        guard mountIt() == 0 else {
            let code = errno
            unlink(marker)
            print("skipped: cannot mount \(what) at \(path) (\(String(cString: strerror(code)))); root on Linux is needed")
            return nil
        }
        return TestMount(path: path, folder: folder, marker: marker)
    }

    /// The folder right under the temporary folder that holds `path`, or `path` itself.
    private static func defaultFolder(for path: String) -> String {
        let temporary = NSTemporaryDirectory().hasSuffix("/") ? NSTemporaryDirectory() : NSTemporaryDirectory() + "/"
        guard path.hasPrefix(temporary), let top = path.dropFirst(temporary.count).split(separator: "/").first else {
            return path
        }
        return temporary + top
    }

    private static func detach(_ path: String) {
        #if os(Linux)
            // Stacked mounts, if any, one at a time; EINVAL once it is no mount point.
            for _ in 0..<4 where umount2(path, Int32(MNT_DETACH)) == 0 {}
        #endif
    }

    /// A marker's content: one line each, so that a reader never needs a parser.
    private struct Record {
        var owner: Owner
        var mountPoint: String
        var folder: String

        init(owner: Owner, mountPoint: String, folder: String) {
            self.owner = owner
            self.mountPoint = mountPoint
            self.folder = folder
        }

        init?(reading marker: String) {
            guard let text = try? String(contentsOfFile: marker, encoding: .utf8) else { return nil }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard lines.count >= 3, let pid = Int32(lines[0].split(separator: " ").first ?? ""),
                let start = UInt64(lines[0].split(separator: " ").last ?? ""), lines[1].hasPrefix("/"), lines[2].hasPrefix("/")
            else { return nil }
            self.init(owner: Owner(pid: pid, startTime: start), mountPoint: lines[1], folder: lines[2])
        }

        /// Atomically (a temporary renamed), so that a reader never sees half of it.
        func write(to marker: String) throws {
            let text = "\(owner.pid) \(owner.startTime)\n\(mountPoint)\n\(folder)\n"
            try Data(text.utf8).write(to: URL(fileURLWithPath: marker), options: .atomic)
        }
    }
}
