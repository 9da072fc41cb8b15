import Foundation
import OneshotSystem
import Synchronization

/// A Linux cgroup with a CPU quota, to run processes under load in a test: created with a share
/// of one CPU, processes put in it (their later children follow them), removed at the end.
///
/// It uses the `cpu` controller where the machine has it: cgroup v1
/// (`/sys/fs/cgroup/cpu/<name>/cpu.cfs_quota_us`) or v2 (`/sys/fs/cgroup/<name>/cpu.max`).
/// Creating one needs root; where none can be made, ``unavailableReason`` says why, for the test
/// to print and skip. ``with(percentOfOneCPU:_:)`` removes the group even when the body throws.
///
/// ```swift
/// try await CPUQuota.with(percentOfOneCPU: 5) { quota in
///     let running = try OneshotBinary.start(["F1"], in: project.path)
///     try quota.add(running.pid)
///     ...
/// }
/// ```
final class CPUQuota: Sendable {
    /// Why a quota cannot be set here.
    struct Unavailable: Error, CustomStringConvertible {
        let description: String
    }

    /// The scheduler period the quota is a share of (100 ms).
    static let periodMicroseconds = 100_000

    /// The group's folder.
    let path: String
    /// The share of one CPU its processes get together, in percent.
    let percent: Int
    private let hierarchy: Hierarchy
    private let removed = Mutex(false)

    /// Creates the group `name` (by default unique to this process) with `percent` % of one CPU.
    ///
    /// - Throws: ``Unavailable`` when the machine has no writable `cpu` controller, or a
    ///   ``SystemError`` naming the file that could not be created or written.
    init(percentOfOneCPU percent: Int, name: String = "oneshot-test-\(getpid())-\(UUID().uuidString.prefix(8))") throws {
        guard let hierarchy = Hierarchy.current else { throw Unavailable(description: Self.unavailableReason ?? "") }
        self.hierarchy = hierarchy
        self.percent = max(1, percent)
        path = hierarchy.root + "/" + name
        try Syscall.retrying("mkdir", path: path) { mkdir(path, 0o755) }
        let quota = Self.periodMicroseconds * self.percent / 100
        do {
            switch hierarchy.version {
            case .v1:
                try Self.write("\(Self.periodMicroseconds)", to: path + "/cpu.cfs_period_us")
                try Self.write("\(quota)", to: path + "/cpu.cfs_quota_us")
            case .v2:
                try Self.write("\(quota) \(Self.periodMicroseconds)", to: path + "/cpu.max")
            }
        } catch {
            try? remove()
            throw error
        }
    }

    deinit {
        try? remove()
    }

    /// Why no quota can be set on this machine, or `nil` when one can.
    static var unavailableReason: String? {
        #if os(Linux)
            guard getuid() == 0 else { return "CPU quotas need root to create a cgroup" }
            guard Hierarchy.current != nil else {
                return
                    "no writable cgroup cpu controller (/sys/fs/cgroup/cpu/cpu.cfs_quota_us or cpu in /sys/fs/cgroup/cgroup.controllers)"
            }
            return nil
        #else
            return "CPU quotas need Linux cgroups"
        #endif
    }

    /// Runs `body` with a new quota of `percent` % of one CPU, and removes the group after it,
    /// whether it returns or throws.
    static func with<T>(percentOfOneCPU percent: Int, _ body: (CPUQuota) async throws -> T) async throws -> T {
        let quota = try CPUQuota(percentOfOneCPU: percent)
        do {
            let result = try await body(quota)
            try quota.remove()
            return result
        } catch {
            try? quota.remove()
            throw error
        }
    }

    /// Puts the process `pid` in the group; the children it starts from then on are in it too.
    func add(_ pid: pid_t) throws {
        try Self.write("\(pid)", to: path + "/cgroup.procs")
    }

    /// A launcher for ``OneshotBinary/start(_:in:environment:launcher:)``: a shell that puts
    /// itself in the group, then execs the binary, so that it and every child it starts run in the
    /// group from their first instruction.
    var launcher: [String] {
        ["/bin/sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", path + "/cgroup.procs"]
    }

    /// Kills every process in the group with SIGKILL: what a failed test leaves running in it.
    func killProcesses() {
        for pid in processes { kill(pid, SIGKILL) }
    }

    /// The processes in the group now.
    var processes: [pid_t] {
        let text = String(decoding: Syscall.readSmallFile(path + "/cgroup.procs", limit: 1 << 20) ?? [], as: UTF8.self)
        return text.split(separator: "\n").compactMap { pid_t($0) }
    }

    /// How many periods its processes were held back for lack of quota (`cpu.stat`'s `nr_throttled`).
    var throttledPeriods: Int {
        let text = String(decoding: Syscall.readSmallFile(path + "/cpu.stat") ?? [], as: UTF8.self)
        let line = text.split(separator: "\n").first { $0.hasPrefix("nr_throttled ") }
        return line.flatMap { Int($0.split(separator: " ")[1]) } ?? 0
    }

    /// Moves the processes still in the group back to the parent group and removes it; a second
    /// call does nothing. A process forking meanwhile is moved on the next pass.
    func remove() throws {
        guard !removed.withLock({ $0 }) else { return }
        for _ in 0..<100 {
            for pid in processes { try? Self.write("\(pid)", to: hierarchy.root + "/cgroup.procs") }
            if rmdir(path) == 0 || errno == ENOENT {
                removed.withLock { $0 = true }
                return
            }
            guard errno == EBUSY || errno == EINTR else { break }
        }
        throw SystemError(call: "rmdir", path: path, errno: errno)
    }

    private static func write(_ text: String, to file: String) throws {
        let fd = try Syscall.open(file, O_WRONLY)
        defer { Syscall.close(fd) }
        try Syscall.writeAll(fd, Array(text.utf8), path: file)
    }

    /// Where the `cpu` controller is mounted, and how.
    private struct Hierarchy: Sendable {
        enum Version: Sendable { case v1, v2 }
        let root: String
        let version: Version

        static var current: Hierarchy? {
            if access("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", F_OK) == 0, access("/sys/fs/cgroup/cpu", W_OK) == 0 {
                return Hierarchy(root: "/sys/fs/cgroup/cpu", version: .v1)
            }
            let controllers = String(decoding: Syscall.readSmallFile("/sys/fs/cgroup/cgroup.controllers") ?? [], as: UTF8.self)
            guard controllers.split(whereSeparator: \.isWhitespace).contains("cpu"), access("/sys/fs/cgroup", W_OK) == 0 else {
                return nil
            }
            // Children of the root get the cpu files only once it hands the controller down.
            try? CPUQuota.write("+cpu", to: "/sys/fs/cgroup/cgroup.subtree_control")
            return Hierarchy(root: "/sys/fs/cgroup", version: .v2)
        }
    }
}
