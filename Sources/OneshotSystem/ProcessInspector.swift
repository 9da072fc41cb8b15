import Foundation

/// Facts about processes that are not our children, read from `/proc` on Linux.
public enum ProcessInspector {
    /// The start time of `pid` in clock ticks since boot (`/proc/<pid>/stat` field 22), or `nil`
    /// when the process does not exist, is a zombie, or the platform has no `/proc`.
    ///
    /// Together with the pid it names one process for good: a recycled pid has a later start.
    public static func startTime(of pid: Int32) -> UInt64? {
        guard pid > 0, let data = Syscall.readSmallFile("/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); field 22 is fields[19].
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return nil }
        return UInt64(fields[19])
    }

    /// The clock `startTime(of:)` is read against, now: clock ticks since boot
    /// (`CLOCK_BOOTTIME`), or `nil` without `/proc`.
    ///
    /// Read right after starting a child it names the child's start without reading `/proc`:
    /// the kernel stamps a process at fork with the same clock, so the child's start time is
    /// this value or, when a tick ended during the spawn, one less. See ``isRunning(_:startedBy:)``.
    public static func ticksSinceBoot() -> UInt64? {
        #if os(Linux)
            var now = timespec()
            guard clock_gettime(CLOCK_BOOTTIME, &now) == 0 else { return nil }
            let ticksPerSecond = UInt64(max(1, sysconf(Int32(_SC_CLK_TCK))))
            return UInt64(now.tv_sec) * ticksPerSecond + UInt64(now.tv_nsec) / (1_000_000_000 / ticksPerSecond)
        #else
            return nil
        #endif
    }

    /// Whether `pid` is still the process recorded with start time `recorded` — read from
    /// `/proc` by an earlier version, or ``ticksSinceBoot()`` just after the spawn (up to one
    /// tick later than the kernel's stamp). A recycled pid starts later: it does not match.
    public static func isRunning(_ pid: Int32, startedBy recorded: UInt64) -> Bool {
        guard let actual = startTime(of: pid) else { return false }
        return actual <= recorded && recorded - actual <= 1
    }

    /// The command name of `pid` (`/proc/<pid>/comm`), or `nil` when unknown.
    public static func name(of pid: Int32) -> String? {
        guard pid > 0, let data = Syscall.readSmallFile("/proc/\(pid)/comm") else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
