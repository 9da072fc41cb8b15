import Foundation
import OneshotSystem

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs the blocking `body` on a thread of its own and returns its result: blocked inside a
/// task, it would hold one of the cooperative pool's few threads and stall the other tests.
public func onItsOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

/// Returns once the process `pid` (not necessarily a child) has ended, or `limit` has passed:
/// through its pidfd, which becomes readable at its exit (a zombie awaiting its reaper has
/// ended).
///
/// - Returns: whether it has ended.
public func processEnds(_ pid: pid_t, within limit: Duration = .seconds(20)) async -> Bool {
    await onItsOwnThread { waitForTheEnd(of: pid, within: limit) }
}

private func waitForTheEnd(of pid: pid_t, within limit: Duration) -> Bool {
    switch Pidfd.open(pid) {
    case .noSuchProcess:
        return true
    case .opened(let pidfd):
        defer { Syscall.close(pidfd) }
        return Pidfd.waitForExit(pidfd, timeout: limit)
    case .unsupported:
        // No pidfds (macOS): ask until the limit, the one thing left.
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline && ProcessInspector.startTime(of: pid) != nil { usleep(5_000) }
        return ProcessInspector.startTime(of: pid) == nil
    }
}
