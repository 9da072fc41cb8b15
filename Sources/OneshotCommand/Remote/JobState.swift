import Foundation

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

    /// What the scheduler's own word for an ended job tells of its command, when the job left
    /// no exit status: enough to decide at once instead of waiting for a late file.
    public enum Ending: Sendable, Equatable {
        /// The job never started its script (Slurm's `BOOT_FAIL`): the command did not run.
        case neverStarted
        /// The scheduler stopped the job while its script may have been running: cancelled,
        /// its time limit, a node failure, out of memory, preempted, its deadline.
        case stopped
    }

    /// The scheduler's id of the job.
    public var id: String
    /// Its phase.
    public var phase: Phase
    /// The scheduler's own word for it, e.g. `COMPLETING`, for logs.
    public var detail: String
    /// For an ended job, what its end tells of the command; `nil` when it tells nothing (a
    /// job that completed: its exit status may only be late on a shared file system).
    public var ending: Ending?
    /// When the job was submitted, as the scheduler says; `nil` when it does not say. A job
    /// name is reused by the next run of the feature (attempts count from 1 again), so this
    /// tells an attempt's own job from an earlier run's that the scheduler still lists.
    public var submitted: Date?

    /// Creates a state.
    public init(id: String, phase: Phase, detail: String, ending: Ending? = nil, submitted: Date? = nil) {
        self.id = id
        self.phase = phase
        self.detail = detail
        self.ending = ending
        self.submitted = submitted
    }

    /// Whether the job may still run or be running.
    public var isActive: Bool { phase != .ended }
}
