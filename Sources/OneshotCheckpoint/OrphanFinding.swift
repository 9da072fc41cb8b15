/// What became of an attempt that was running when its run died, as a resume finds it.
public enum OrphanFinding: Sendable, Equatable {
    /// It ended while no oneshot was running, and left its exit status (the status file its
    /// shell writes as it exits): its real outcome.
    case finished(exitCode: Int32, durationMS: Int?)
    /// Its process is still running on this machine and boot: the resume adopts it.
    case running(pid: Int32)
    /// Its batch job is still queued or running (`scheduler`'s job `jobID`): the resume adopts it.
    case jobActive(scheduler: String, jobID: String)
    /// It was recorded on another host or boot: never signalled; the text says where.
    case elsewhere(String)
    /// Nothing is known: no exit status, and no process.
    case unknown
}

/// How a resume deals with the attempts its dead predecessor left: an executor that can find
/// them (the CLI's shell commands) provides it; without one every such attempt is UNCERTAIN.
public struct OrphanHandling: Sendable {
    /// What became of an attempt.
    public var probe: @Sendable (InFlightRecord) -> OrphanFinding
    /// Ends a running attempt (its whole process group) and says how, e.g. "SIGTERM".
    public var terminate: @Sendable (InFlightRecord) -> String
    /// Kills what is left of an attempt's process group once its leader is gone; returns how
    /// many processes it killed.
    public var sweep: @Sendable (InFlightRecord) -> Int
    /// Terminate running attempts instead of adopting them (`--kill-orphans`).
    public var killRunning: Bool

    /// Creates the handling.
    public init(
        probe: @escaping @Sendable (InFlightRecord) -> OrphanFinding,
        terminate: @escaping @Sendable (InFlightRecord) -> String,
        sweep: @escaping @Sendable (InFlightRecord) -> Int = { _ in 0 },
        killRunning: Bool = false
    ) {
        self.probe = probe
        self.terminate = terminate
        self.sweep = sweep
        self.killRunning = killRunning
    }
}
