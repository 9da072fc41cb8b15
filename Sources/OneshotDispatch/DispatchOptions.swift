import Foundation
import OneshotBreaker
import OneshotWorkstreams

/// How a run is carried out.
public struct DispatchOptions: Sendable {
    /// Where the dispatcher's loop and the executor closures run.
    public enum Threading: Sendable {
        /// Swift's shared cooperative pool: right for closures that compute as well as wait.
        case sharedPool
        /// One thread of the run's own (an `EventLoop`), where the loop, every attempt and the
        /// exits of the children they start take turns: the least overhead per workstream for
        /// closures that mostly wait (on a child process, on the network), as the CLI's does. A
        /// closure that computes for long without suspending holds up the others.
        case dedicatedThread
    }

    /// The most attempts running at once (`-j`). At least 1.
    public var maxConcurrency: Int
    /// Retries for a workstream whose file sets none (`--retries`).
    public var defaultRetries: Int
    /// Time limit of an attempt for a workstream whose file sets none (`--timeout`); `nil` is none.
    public var defaultTimeout: Duration?
    /// Delay between a failed attempt and its retry.
    public var backoff: BackoffPolicy
    /// Durations of earlier runs in seconds, by id, to rank the ready queue by critical path.
    public var knownDurations: [String: Double]
    /// Ids already completed (from a checkpoint): not run, and they satisfy their dependents.
    public var alreadyCompleted: Set<String>
    /// Ids not to start at all (uncertain, non-idempotent work awaiting the user's word); their
    /// dependents wait too. They end as ``WorkstreamState/held``, their dependents as
    /// ``WorkstreamState/notRun``.
    public var held: Set<String>
    /// Attempts of an earlier run still running: awaited first, each in a slot of its own (they
    /// run already, so they may exceed ``maxConcurrency`` until they end), never started again.
    public var adopted: [AdoptedAttempt]
    /// When set, a successful attempt of a workstream with `outputs:` fails if a declared output
    /// is missing, relative to this folder.
    public var outputsRoot: String?
    /// The circuit breaker every attempt goes through, possibly restored from a checkpoint;
    /// `nil` runs without one (`--no-breaker`).
    public var breaker: CircuitBreaker?
    /// Seed for the retry jitter; `nil` picks one at random.
    public var randomSeed: UInt64?
    /// Where the loop and the executor closures run.
    public var threading: Threading
    /// With a journal: how long a recorded outcome may wait for its commit (its `fsync`) when
    /// nothing waits on it. A completion that would let a workstream start is committed at
    /// once, whatever this says.
    public var commitDelay: Duration
    /// With a journal: how long nothing may be written to it (a full disk) before the run stops
    /// launching, lets running attempts end and ends as ``RunReport/Status/journalFailed``
    /// (`--checkpoint-grace`). The same bound ends a run whose attempts keep failing for
    /// oneshot's own reasons (``InfrastructureError``), as ``RunReport/Status/infrastructureFailed``.
    public var checkpointGrace: Duration
    /// When the run must stop (`--deadline`), on the dispatcher's clock. Before it, a workstream
    /// whose known duration (``knownDurations``) would not fit in the time left is not launched;
    /// at it, running attempts are cancelled (they end as interrupted, as on a signal). Either
    /// way the run ends as ``RunReport/Status/deadlineReached`` with the rest not run. `nil`: none.
    public var deadline: Date?
    /// Attempts earlier runs made, by id (from a checkpoint, ``ResumePlan/previousAttempts``):
    /// this run numbers its attempts after them, so the attempt handed to the executor (the
    /// CLI's `ONESHOT_ATTEMPT`, its log headers and exit files) counts across resumes. Retries
    /// (``defaultRetries``, a workstream's `retries:`) are still counted within this run.
    public var previousAttempts: [String: Int] = [:]
    /// Stop launching once a workstream has failed for good — an attempt failed or timed out
    /// with no retry left (`--fail-fast`): running attempts finish (a retry is a launch: a
    /// running workstream failing after that is not retried), workstreams waiting for a retry
    /// end interrupted, the rest not run, and the run ends ``RunReport/Status/failed``. `false`
    /// (the default) keeps going: only the failure's dependents are skipped.
    public var failFast = false
    /// Prepares the workstreams about to be launched while their dependencies run (the CLI
    /// opens their logs ahead): see ``LaunchPreparer``. `nil` (the default): none is.
    public var preparer: (any LaunchPreparer)?

    /// Creates options; every parameter has the CLI's default.
    public init(
        maxConcurrency: Int = 3,
        defaultRetries: Int = 0,
        defaultTimeout: Duration? = nil,
        backoff: BackoffPolicy = BackoffPolicy(),
        knownDurations: [String: Double] = [:],
        alreadyCompleted: Set<String> = [],
        held: Set<String> = [],
        adopted: [AdoptedAttempt] = [],
        outputsRoot: String? = nil,
        breaker: CircuitBreaker? = CircuitBreaker(),
        randomSeed: UInt64? = nil,
        threading: Threading = .sharedPool,
        commitDelay: Duration = .milliseconds(20),
        checkpointGrace: Duration = .seconds(60)
    ) {
        self.maxConcurrency = max(1, maxConcurrency)
        self.defaultRetries = max(0, defaultRetries)
        self.defaultTimeout = defaultTimeout
        self.backoff = backoff
        self.knownDurations = knownDurations
        self.alreadyCompleted = alreadyCompleted
        self.held = held
        self.adopted = adopted
        self.outputsRoot = outputsRoot
        self.breaker = breaker
        self.randomSeed = randomSeed
        self.threading = threading
        self.commitDelay = commitDelay
        self.checkpointGrace = checkpointGrace
    }
}
