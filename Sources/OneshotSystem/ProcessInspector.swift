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

    /// The command name of `pid` (`/proc/<pid>/comm`), or `nil` when unknown.
    public static func name(of pid: Int32) -> String? {
        guard pid > 0, let data = Syscall.readSmallFile("/proc/\(pid)/comm") else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
