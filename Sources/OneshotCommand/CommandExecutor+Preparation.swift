import OneshotDispatch
import OneshotWorkstreams

/// Opens a workstream's log while the attempts it waits on run (see ``LaunchPreparer``), so its
/// launch does not pay for creating the file: 25 µs to over a millisecond of kernel time each on
/// a chain's critical path (ext4 without a journal after mass deletions). An append-only log
/// opened early is harmless; one that is never used is closed, and removed when its preparation
/// created it and nothing was written to it.
extension CommandExecutor: LaunchPreparer {
    /// Opens `workstream`'s log (`O_APPEND`, creating it and its folder) for its next attempt,
    /// which then writes its header and output through that descriptor. A log that cannot be
    /// opened now is left to the attempt, which reports why.
    public func prepare(_ workstream: Workstream) {
        guard command(for: workstream) != nil else { return }
        preparedLogs.prepare(workstream.id, log: WorkstreamLog(path: logPath(for: workstream.id)))
    }

    /// Closes the log ``prepare(_:)`` opened for a `workstream` that will not launch; removes it
    /// when that preparation created it and nothing was written to it.
    public func discard(_ workstream: Workstream) {
        preparedLogs.discard(workstream.id, log: WorkstreamLog(path: logPath(for: workstream.id)))
    }
}
