import Foundation

/// The end state of one workstream after a run.
public enum WorkstreamState: String, Sendable, Codable {
    /// Completed in this run.
    case succeeded
    /// Failed its last attempt.
    case failed
    /// Not run because a dependency failed.
    case skipped
    /// Running when the run was interrupted: to be run again.
    case interrupted
    /// Its attempt ended without a known outcome (``AttemptStatus/uncertain``): the next resume
    /// treats it as UNCERTAIN.
    case uncertain
    /// Not started: uncertain, `idempotent: false` work awaiting a decision
    /// (``DispatchOptions/held``): the user marks it done or runs it again.
    case held
    /// Completed before this run (declared done, or in the checkpoint).
    case alreadyDone = "already_done"
    /// Never started: the run stopped first.
    case notRun = "not_run"
}

/// What happened to one workstream.
public struct WorkstreamResult: Sendable, Equatable {
    /// The workstream's id.
    public var id: String
    /// Its end state.
    public var state: WorkstreamState
    /// Attempts made, counted across runs (``DispatchOptions/previousAttempts``): the number of
    /// the latest one.
    public var attempts: Int
    /// Time spent in this run's attempts.
    public var duration: Duration
    /// The last attempt's report, if any.
    public var lastAttempt: AttemptReport?
    /// For a skipped workstream, the failed workstream that blocked it.
    public var blockedBy: String?
}

/// The outcome of a run.
public struct RunReport: Sendable, Equatable {
    /// How a run ended.
    public enum Status: String, Sendable, Codable {
        /// Every workstream is done.
        case succeeded
        /// Some workstream failed or was skipped.
        case failed
        /// Nothing failed, but some work awaits a decision: held (``WorkstreamState/held``) or
        /// ended without a known outcome (``WorkstreamState/uncertain``), with what depends on
        /// it not run. A failure anywhere makes the run ``failed`` instead.
        case held
        /// The run was cancelled (a signal, a harness) before it finished.
        case interrupted
        /// The journal could not be written and the run was told to stop in that case.
        case journalFailed = "journal_failed"
        /// The circuit breaker gave up after repeated trips; see ``RunReport/breakerRetryAt``.
        case breakerGaveUp = "breaker_gave_up"
        /// Attempts kept failing for oneshot's own reasons (``InfrastructureError``: no descriptor,
        /// no process, no disk space for a log) for ``DispatchOptions/checkpointGrace``.
        case infrastructureFailed = "infrastructure_failed"
        /// The run stopped for ``DispatchOptions/deadline``: attempts running at it were
        /// interrupted, and workstreams that would not have finished before it were not started.
        case deadlineReached = "deadline_reached"
    }

    /// How the run ended.
    public var status: Status
    /// One entry per workstream, in id order.
    public var results: [WorkstreamResult]
    /// Wall-clock time of the run.
    public var elapsed: Duration
    /// When the breaker gave up: the time from which a resumed run may probe.
    public var breakerRetryAt: Date?
    /// With a journal: the workstreams whose last outcome no commit made durable (a full disk),
    /// sorted. Some may have reached the journal without its `fsync`; a resume runs again those
    /// it does not find. Empty when everything was committed.
    public var unrecorded: [String] = []
    /// When the run stopped at once as ``Status/infrastructureFailed`` on a ``InfrastructureError/lasting``
    /// error: its message (naming the path and the errno).
    public var lastingLaunchError: String?
    /// With a deadline: the workstreams not launched because their known duration would not
    /// fit in the time left, in the order they came up.
    public var setAside: [String] = []

    /// The number of workstreams in `state`.
    public func count(_ state: WorkstreamState) -> Int {
        results.reduce(0) { $0 + ($1.state == state ? 1 : 0) }
    }
}
