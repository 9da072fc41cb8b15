import Foundation

extension ProcessInspector {
    /// The children of this process's thread `tid` (`/proc/self/task/<tid>/children`); empty
    /// when it has none or the platform has no such file.
    ///
    /// A process whose parent dies is re-parented to the first live thread of its subreaper, the
    /// main thread (whose id is the pid), so re-parented processes are found in one file.
    static func children(ofThread tid: Int32) -> [Int32] {
        guard let data = Syscall.readSmallFile("/proc/self/task/\(tid)/children", limit: 1 << 20) else { return [] }
        return data.split(separator: UInt8(ascii: " ")).compactMap { Int32(String(decoding: $0, as: UTF8.self)) }
    }

    /// Whether the children file open at `fd` (see ``children(ofThread:)``) lists any child:
    /// one `pread` of a byte, about 0.3 µs where opening the file each time costs 4.5 µs.
    static func listsAnyChild(_ fd: Int32) -> Bool {
        var byte: UInt8 = 0
        let count = try? Syscall.retrying("pread", path: "/proc/self/task/<pid>/children") { pread(fd, &byte, 1, 0) }
        return count.map { $0 > 0 } ?? true
    }

    /// The children of every thread of this process.
    static func childrenOfAllThreads() -> [Int32] {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return [] }
        return tasks.compactMap(Int32.init).flatMap(children(ofThread:))
    }

    /// Whether the environment `pid` started with (`/proc/<pid>/environ`) holds every entry of
    /// `entries` (`KEY=VALUE`); `nil` when it cannot be read or is empty (a zombie, a process in
    /// the middle of an `execve`, one started with no environment).
    static func environment(of pid: Int32, holding entries: [String]) -> Bool? {
        guard let data = Syscall.readSmallFile("/proc/\(pid)/environ", limit: 1 << 20), !data.isEmpty else { return nil }
        let present = Set(data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) })
        return entries.allSatisfy(present.contains)
    }
}

extension ProcessInspector {
    /// The live processes (not zombies, not this one) whose environment holds every entry of
    /// `entries` and whose working directory is `folder`: what an earlier oneshot started in this
    /// project and left behind when it died. Linux only (`/proc`); elsewhere none.
    public static func processes(holding entries: [String], workingIn folder: String) -> [Int32] {
        #if os(Linux)
            let me = getpid()
            let resolved = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return names.compactMap(Int32.init).filter { pid in
                guard pid != me, let fields = statFields(of: pid), fields.first != "Z",
                    environment(of: pid, holding: entries) == true,
                    let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")
                else { return false }
                return cwd == resolved || cwd == folder
            }
        #else
            return []
        #endif
    }

    /// The live processes (not zombies, not init, not this one) whose environment holds an entry
    /// beginning with `prefix`, with their start (clock ticks since boot) and every entry of their
    /// environment: one pass over `/proc`. What attempts started outside their process group
    /// (`setsid cmd &`, a daemon) and that outlived the oneshot whose subreaper would have ended
    /// them. Linux only; elsewhere none.
    public static func processes(withEnvironmentEntryPrefixed prefix: String) -> [(
        pid: Int32, start: UInt64, environment: Set<String>
    )] {
        #if os(Linux)
            let me = getpid()
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return names.compactMap(Int32.init).compactMap { pid in
                guard pid > 1, pid != me, let fields = statFields(of: pid), fields.count > 19,
                    let start = UInt64(fields[19]),
                    let data = Syscall.readSmallFile("/proc/\(pid)/environ", limit: 1 << 20)
                else { return nil }
                let entries = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                guard entries.contains(where: { $0.hasPrefix(prefix) }) else { return nil }
                return (pid, start, Set(entries))
            }
        #else
            return []
        #endif
    }
}
