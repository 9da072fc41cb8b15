import OneshotSystem

/// Stops what a crashed run left running: each child of oneshot has its own process group, so a
/// `kill -9` of oneshot does not stop them, and a workstream must never run twice at once.
public enum OrphanReaper {
    /// Terminates the process group of each record whose process is still the one recorded (same
    /// pid and start time): SIGTERM, up to `grace` to exit, then SIGKILL.
    ///
    /// - Returns: one line per orphan found, saying what was done.
    public static func terminate(_ records: [InFlightRecord], grace: Duration) async -> [String] {
        var messages: [String] = []
        for record in records {
            guard let pid = record.pid, let start = record.processStart else { continue }
            guard ProcessInspector.isRunning(pid, startedBy: start) else { continue }
            try? Syscall.kill(-pid, SIGTERM)
            let deadline = ContinuousClock.now + grace
            // Not our child: its exit cannot be awaited, only observed.
            while ProcessInspector.isRunning(pid, startedBy: start) && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(25))
            }
            var how = "SIGTERM"
            if ProcessInspector.isRunning(pid, startedBy: start) {
                try? Syscall.kill(-pid, SIGKILL)
                how = "SIGKILL after \(grace)"
            }
            messages.append(
                "\(record.id): attempt \(record.attempt) from the earlier run was still running (pid \(pid)); stopped its process group with \(how)"
            )
        }
        return messages
    }
}
