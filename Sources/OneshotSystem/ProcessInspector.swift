import Foundation

/// Facts about processes that are not our children, read from `/proc` on Linux.
public enum ProcessInspector {
    /// The start time of `pid` in clock ticks since boot (`/proc/<pid>/stat` field 22), or `nil`
    /// when the process does not exist, is a zombie, or the platform has no `/proc`.
    ///
    /// Together with the pid it names one process for good: a recycled pid has a later start.
    public static func startTime(of pid: Int32) -> UInt64? {
        guard pid > 0, let bytes = Syscall.readSmallFile("/proc/\(pid)/stat", limit: 4096) else { return nil }
        return startTime(inStat: bytes)
    }

    /// The start time of `pid`, a child of this process not reaped yet, even when it has already
    /// exited: its zombie reserves the pid, so the start still names it. A command that exits
    /// at once may be a zombie by the time its spawner reads its start (a loaded machine runs
    /// the child first), and ``startTime(of:)`` would say `nil`.
    public static func startTime(ofUnreapedChild pid: Int32) -> UInt64? {
        guard pid > 0, let bytes = Syscall.readSmallFile("/proc/\(pid)/stat", limit: 4096) else { return nil }
        return startTime(inStat: bytes, zombies: true)
    }

    /// Field 22 of the text of a `/proc/<pid>/stat`, `nil` for a text that is not one and,
    /// unless `zombies`, for a zombie. Read from the bytes, not through a `String` split into
    /// fields: it is read after many spawns, and that cost more than the reading itself.
    static func startTime(inStat bytes: [UInt8], zombies: Bool = false) -> UInt64? {
        // The command name (field 2) is in parentheses and may hold spaces: fields are counted
        // after the last ')', from the state (field 3, here 0) on.
        guard let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let space = UInt8(ascii: " ")
        var index = close + 1
        var field = -1
        while index < bytes.count {
            while index < bytes.count && bytes[index] == space { index += 1 }
            guard index < bytes.count else { return nil }
            field += 1
            let start = index
            while index < bytes.count && bytes[index] != space { index += 1 }
            if !zombies && field == 0 && index - start == 1
                && (bytes[start] == UInt8(ascii: "Z") || bytes[start] == UInt8(ascii: "X"))
            {
                return nil
            }
            if field == 19 { return decimal(bytes[start..<index]) }
        }
        return nil
    }

    /// `digits` as a number, `nil` unless they are all decimal digits and it fits.
    private static func decimal(_ digits: ArraySlice<UInt8>) -> UInt64? {
        guard !digits.isEmpty else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
            let (times10, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times10.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflow && !carry else { return nil }
            value = sum
        }
        return value
    }

    /// The process group of `pid` (`/proc/<pid>/stat` field 5), or `nil` when the process does
    /// not exist, is a zombie, or the platform has no `/proc`.
    public static func processGroup(of pid: Int32) -> Int32? {
        guard let fields = statFields(of: pid), fields.count > 2 else { return nil }
        return Int32(fields[2])
    }

    /// Whether `pid` is still the process recorded with start time `recorded` (as
    /// `ChildProcess.startTime` gives it) on this boot.
    ///
    /// The process matches when it started **no later** than the record: the pid was reserved by
    /// the unreaped child when its start was read, so a process with that pid that started
    /// earlier is the same one, and a recycled pid starts later. A zombie does not match.
    public static func isRunning(_ pid: Int32, startedBy recorded: UInt64) -> Bool {
        guard let actual = startTime(of: pid) else { return false }
        return actual <= recorded
    }

    /// The live members of process group `group` that started no earlier than `notBefore`
    /// (clock ticks since boot): what is left of an attempt's group once its leader has gone.
    /// Empty without `/proc`, and empty when the pid `group` now belongs to a process that
    /// started after `notBefore`: a group's id stays reserved while any member of it lives, so
    /// the recorded group has ended and its id was given to someone else, whose group it now is.
    public static func members(ofGroup group: Int32, startedNotBefore notBefore: UInt64) -> [Int32] {
        guard group > 1, !isReused(group, after: notBefore),
            let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc")
        else { return [] }
        return names.compactMap { name -> Int32? in
            guard let pid = Int32(name), pid > 1, let fields = statFields(of: pid), fields.count > 19,
                Int32(fields[2]) == group, let start = UInt64(fields[19]), start >= notBefore
            else { return nil }
            return pid
        }
    }

    /// Whether `pid` now names a process (a zombie too: it still holds the pid) that started
    /// after `recorded`, the start of the process recorded with that pid.
    static func isReused(_ pid: Int32, after recorded: UInt64) -> Bool {
        guard let fields = statFields(of: pid, zombies: true), fields.count > 19, let start = UInt64(fields[19]) else {
            return false
        }
        return start > recorded
    }

    /// The clock `startTime(of:)` is read against, now: clock ticks since boot
    /// (`CLOCK_BOOTTIME`, which the kernel stamps a process with at fork), or `nil` without
    /// `/proc`.
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

    /// The command name of `pid` (`/proc/<pid>/comm`), or `nil` when unknown.
    public static func name(of pid: Int32) -> String? {
        guard pid > 0, let data = Syscall.readSmallFile("/proc/\(pid)/comm") else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The fields of `/proc/<pid>/stat` from field 3 (the state) on, or `nil` for a process
    /// that does not exist or, unless `zombies`, is a zombie.
    static func statFields(of pid: Int32, zombies: Bool = false) -> [Substring]? {
        guard pid > 0, let data = Syscall.readSmallFile("/proc/\(pid)/stat") else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        // The command name (field 2) is in parentheses and may hold spaces: split after the last ')'.
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard let state = fields.first, zombies || (state != "Z" && state != "X") else { return nil }
        return fields
    }
}
