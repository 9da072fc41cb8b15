import Foundation
import OneshotSystem
import Synchronization

/// A cgroup v1 freezer group, to hold a process still in a test: a frozen process does not run,
/// not even to act on a SIGKILL, which stays pending until the group is thawed. That is what a
/// loaded machine (CI, 2 cores) does to a process for a moment — SIGKILLed, not run since, so
/// still in `/proc` — made to last as long as the test needs.
///
/// Only the v1 freezer does this: the v2 one (`cgroup.freeze`) lets a SIGKILL through. Creating
/// a group needs root; ``unavailableReason`` says why one cannot be made, for the test to skip.
/// ``remove()`` (also at `deinit`) thaws the group, moves its processes out and removes it.
final class Freezer: Sendable {
    static let root = "/sys/fs/cgroup/freezer"

    /// The group's folder.
    let path: String
    private let removed = Mutex(false)

    /// Why no freezer group can be made here, or `nil` when one can.
    static var unavailableReason: String? {
        #if os(Linux)
            guard getuid() == 0 else { return "a freezer cgroup needs root" }
            // The v1 hierarchy's root group has no freezer.state (it cannot be frozen); its
            // children have one.
            guard access(root + "/cgroup.procs", F_OK) == 0, access(root, W_OK) == 0 else {
                return "no writable cgroup v1 freezer at \(root) (the v2 freezer lets a SIGKILL through)"
            }
            return nil
        #else
            return "the freezer is a Linux cgroup"
        #endif
    }

    /// Creates an empty group (thawed).
    init() throws {
        path = Self.root + "/oneshot-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        try Syscall.retrying("mkdir", path: path) { mkdir(path, 0o755) }
    }

    deinit {
        try? remove()
    }

    /// Puts `pid` in the group and freezes it; returns once the kernel says the group is frozen.
    func freeze(_ pid: pid_t) async throws {
        try Self.write("\(pid)", to: path + "/cgroup.procs")
        try Self.write("FROZEN", to: path + "/freezer.state")
        // FREEZING until every process in it has stopped: no event says when.
        guard try await eventually({ self.state == "FROZEN" }) else {
            throw SystemError(call: "freeze", path: path, errno: EBUSY)
        }
    }

    /// Lets the group's processes run again: a pending SIGKILL then ends them.
    func thaw() throws {
        try Self.write("THAWED", to: path + "/freezer.state")
    }

    /// Thaws the group as soon as `pid` has a SIGKILL pending, or after `limit`: on a thread of
    /// its own, which reads `/proc` every millisecond (no event tells of a pending signal). Not
    /// a task: a loaded full run kept the cooperative pool busy for longer than a kill waits for
    /// its process to end (5 s), and the thaw came too late.
    func thaw(onceKillPendingFor pid: pid_t, within limit: Duration) {
        Thread { [self] in
            let deadline = ContinuousClock.now + limit
            while !Self.hasPendingKill(pid) && ContinuousClock.now < deadline { usleep(1_000) }
            try? thaw()
        }.start()
    }

    /// `FROZEN`, `FREEZING` or `THAWED`.
    var state: String {
        String(decoding: Syscall.readSmallFile(path + "/freezer.state") ?? [], as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether `pid` has a SIGKILL delivered to it and not yet acted on (`SigPnd` or `ShdPnd` in
    /// `/proc/<pid>/status`: the process has not run since).
    static func hasPendingKill(_ pid: pid_t) -> Bool {
        let status = String(decoding: Syscall.readSmallFile("/proc/\(pid)/status") ?? [], as: UTF8.self)
        return status.split(separator: "\n").contains { line in
            let fields = line.split(separator: "\t")
            guard fields.count == 2, fields[0] == "SigPnd:" || fields[0] == "ShdPnd:",
                let mask = UInt64(fields[1], radix: 16)
            else { return false }
            return mask & (1 << (UInt64(SIGKILL) - 1)) != 0
        }
    }

    /// Thaws the group, moves its processes back to the root group and removes it; a second
    /// call does nothing.
    func remove() throws {
        guard !removed.withLock({ $0 }) else { return }
        try? thaw()
        let procs = String(decoding: Syscall.readSmallFile(path + "/cgroup.procs", limit: 1 << 20) ?? [], as: UTF8.self)
        for pid in procs.split(separator: "\n") { try? Self.write(String(pid), to: Self.root + "/cgroup.procs") }
        guard rmdir(path) == 0 || errno == ENOENT else { throw SystemError(call: "rmdir", path: path, errno: errno) }
        removed.withLock { $0 = true }
    }

    private static func write(_ text: String, to file: String) throws {
        let fd = try Syscall.open(file, O_WRONLY)
        defer { Syscall.close(fd) }
        try Syscall.writeAll(fd, Array(text.utf8), path: file)
    }
}
