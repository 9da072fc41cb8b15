/// What a scheduler says of one job.
public struct JobState: Sendable, Equatable {
    /// Where a job is in its life.
    public enum Phase: Sendable, Equatable {
        /// Waiting for resources, or being set up.
        case pending
        /// Running (or finishing: its processes are being stopped).
        case running
        /// Over, whatever the reason; the exit-status file says how it went.
        case ended
    }

    /// The scheduler's id of the job.
    public var id: String
    /// Its phase.
    public var phase: Phase
    /// The scheduler's own word for it, e.g. `COMPLETING`, for logs.
    public var detail: String

    /// Creates a state.
    public init(id: String, phase: Phase, detail: String) {
        self.id = id
        self.phase = phase
        self.detail = detail
    }

    /// Whether the job may still run or be running.
    public var isActive: Bool { phase != .ended }
}
