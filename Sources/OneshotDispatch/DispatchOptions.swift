import OneshotBreaker
import OneshotWorkstreams

/// How a run is carried out.
public struct DispatchOptions: Sendable {
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
    /// dependents wait too. They end as ``WorkstreamState/notRun``.
    public var held: Set<String>
    /// When set, a successful attempt of a workstream with `outputs:` fails if a declared output
    /// is missing, relative to this folder.
    public var outputsRoot: String?
    /// The circuit breaker every attempt goes through, possibly restored from a checkpoint;
    /// `nil` runs without one (`--no-breaker`).
    public var breaker: CircuitBreaker?
    /// Seed for the retry jitter; `nil` picks one at random.
    public var randomSeed: UInt64?

    /// Creates options; every parameter has the CLI's default.
    public init(
        maxConcurrency: Int = 3,
        defaultRetries: Int = 0,
        defaultTimeout: Duration? = nil,
        backoff: BackoffPolicy = BackoffPolicy(),
        knownDurations: [String: Double] = [:],
        alreadyCompleted: Set<String> = [],
        held: Set<String> = [],
        outputsRoot: String? = nil,
        breaker: CircuitBreaker? = CircuitBreaker(),
        randomSeed: UInt64? = nil
    ) {
        self.maxConcurrency = max(1, maxConcurrency)
        self.defaultRetries = max(0, defaultRetries)
        self.defaultTimeout = defaultTimeout
        self.backoff = backoff
        self.knownDurations = knownDurations
        self.alreadyCompleted = alreadyCompleted
        self.held = held
        self.outputsRoot = outputsRoot
        self.breaker = breaker
        self.randomSeed = randomSeed
    }
}
