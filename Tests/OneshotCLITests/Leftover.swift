import Foundation
import OneshotSystem

/// A process a test may leave running (a failed test's orphan, an escapee), to kill at the end
/// only if it is still that process. A `defer { kill(pid, SIGKILL) }` runs long after the
/// process may have ended, and its pid (pid_max is 32768 here; a run spawns thousands) may by
/// then name another test's process: in a loaded full run one such kill SIGKILLed another test's
/// `oneshot` (exit "9", no output at all).
struct Leftover {
    let pid: Int32
    /// Its start, read while it was known to run; `nil` when it had already ended.
    let start: UInt64?

    /// Notes `pid` now, while it names the test's process.
    init(_ pid: Int32) {
        self.pid = pid
        start = ProcessInspector.startTime(of: pid)
    }

    /// SIGKILLs the process if it still runs (same pid, same start), and with `group` its whole
    /// process group: through the group id while it still leads it, else member by member
    /// (those started since it, which its group id cannot have been given to again meanwhile).
    func end(group: Bool = false) {
        guard let start else { return }
        if ProcessInspector.startTime(of: pid) == start {
            _ = kill(group && ProcessInspector.processGroup(of: pid) == pid ? -pid : pid, SIGKILL)
        }
        guard group else { return }
        for member in ProcessInspector.members(ofGroup: pid, startedNotBefore: start) {
            _ = kill(member, SIGKILL)
        }
    }
}
