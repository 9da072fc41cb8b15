/// One unit of work in a feature: an id, what it waits for, and how to run it.
///
/// Workstreams are read from Markdown files by ``WorkstreamParser`` or built in code by an
/// embedding harness.
public struct Workstream: Sendable, Hashable, Identifiable {
    /// The workstream's id (`ws_id`), e.g. `00-052-14`.
    public var id: String
    /// The feature it belongs to, normalised (`052` becomes `F052`), if the file names one.
    public var featureID: String?
    /// A human title.
    public var title: String?
    /// Ids of the workstreams that must complete before this one starts.
    public var dependencies: [String]
    /// The shell command to run (`run:`), if the file gives one.
    public var command: String?
    /// A shell command that tells whether the work was done (`verify:`): exit 0 means it was.
    /// A resume runs it for an attempt whose end is unknown (UNCERTAIN) before deciding whether
    /// to run the workstream again.
    public var verify: String?
    /// Time limit of one attempt (`timeout:`); `nil` uses the run's default.
    public var timeout: Duration?
    /// How many times a failed attempt is retried (`retries:`); `nil` uses the run's default.
    public var retries: Int?
    /// Paths the workstream must produce (`outputs:`), relative to the project root.
    public var outputs: [String]
    /// Whether running it twice is harmless (`idempotent:`, default `true`).
    public var isIdempotent: Bool
    /// The `status` the file declares, lowercased, if any.
    public var declaredStatus: String?
    /// Where the workstream was defined: the file and the line of its `ws_id`.
    public var source: SourceLocation?
    /// Extra arguments for the batch system that runs its attempts (`slurm_args:`, e.g.
    /// `[--gres=gpu:1, --mem=16G]`); unused by local attempts.
    public var schedulerArguments: [String] = []
    /// The file's Markdown after its front matter (the whole file for the `## Metadata` form):
    /// the specification an agent implements. Empty for a workstream built in code.
    public var body = ""
    /// The keys of its metadata that mean nothing to oneshot, with their values as written (a
    /// list joined with `, `): what a harness reads for its own settings (`model: opus`).
    public var extra: [String: String] = [:]

    /// Creates a workstream in code.
    ///
    /// - Parameters:
    ///   - id: the workstream id.
    ///   - dependencies: ids that must complete first.
    ///   - command: a shell command for the command executor, if any.
    ///   - verify: a shell command that exits 0 when the work is done, run for uncertain attempts.
    public init(
        id: String,
        featureID: String? = nil,
        title: String? = nil,
        dependencies: [String] = [],
        command: String? = nil,
        verify: String? = nil,
        timeout: Duration? = nil,
        retries: Int? = nil,
        outputs: [String] = [],
        isIdempotent: Bool = true,
        declaredStatus: String? = nil,
        source: SourceLocation? = nil
    ) {
        self.id = id
        self.featureID = featureID
        self.title = title
        self.dependencies = dependencies
        self.command = command
        self.verify = verify
        self.timeout = timeout
        self.retries = retries
        self.outputs = outputs
        self.isIdempotent = isIdempotent
        self.declaredStatus = declaredStatus
        self.source = source
    }

    /// The statuses that mark a workstream as already done: it is not run and satisfies its
    /// dependents.
    public static let doneStatuses: Set<String> = ["completed", "complete", "done"]

    /// Whether the file declares the workstream already done (`status: completed` or `done`).
    public var isDeclaredDone: Bool {
        declaredStatus.map { Self.doneStatuses.contains($0) } ?? false
    }
}
