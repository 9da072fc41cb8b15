/// Waits for the processes a signal was sent to: a signal is acted on only when its process
/// next runs, so a process just SIGKILLed may still run for a while on a loaded machine (longer
/// when it is frozen or in an uninterruptible wait), and whatever reads `/proc` next — the
/// sweep of a group after the stop of its leader, the search for escaped processes — finds it
/// still there, signals it again and counts it twice.
///
/// ```swift
/// let killed = SignalledExits.afterSignalling(awaiting: members) {
///     members.filter { (try? Syscall.kill($0, SIGKILL)) != nil }.count
/// }
/// ```
public enum SignalledExits {
    /// How long a SIGKILLed process is waited for: it ends as soon as it runs again, but a
    /// loaded 2-core machine may not run it for a while; beyond this it is stuck (an
    /// uninterruptible wait on a dead file server) and waiting longer would hold up the caller.
    public static let killWait: Duration = .seconds(5)

    /// Opens a pidfd for each of `pids`, runs `signal`, and returns what it returned once each of
    /// them has exited (a zombie has) or `limit` has passed. The pidfds are opened first, so the
    /// wait names the processes that were signalled, not a later holder of a recycled pid.
    ///
    /// A pid that names no process is not waited for; where pidfds do not work (macOS, Linux
    /// before 5.3), nothing is: the result comes back right after `signal`.
    public static func afterSignalling<T>(
        awaiting pids: [Int32], within limit: Duration = killWait, _ signal: () -> T
    ) -> T {
        let descriptors = pids.compactMap { pid -> Int32? in
            if case .opened(let descriptor) = Pidfd.open(pid) { return descriptor }
            return nil
        }
        defer { descriptors.forEach(Syscall.close) }
        let result = signal()
        let deadline = ContinuousClock.now + limit
        for descriptor in descriptors {
            _ = Pidfd.waitForExit(descriptor, timeout: max(.zero, deadline - ContinuousClock.now))
        }
        return result
    }
}
