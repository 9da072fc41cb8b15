/// The checkpoint file, `.sdp/checkpoints/<feature>-checkpoint.json`: the source of truth for
/// what is done.
///
/// The keys and meanings of the original format (version `1.0`) are kept, so a checkpoint in
/// exactly that form loads and resumes; what oneshot adds lives under new keys, all optional.
/// Files are written as version ``Checkpoint/currentVersion`` with sorted keys.
public struct Checkpoint: Codable, Sendable, Equatable {
    /// The version oneshot writes.
    public static let currentVersion = "1.1"
    /// The versions oneshot reads.
    public static let readableVersions: Set<String> = ["1.0", "1.1"]

    /// Format version.
    public var version: String
    /// The feature, e.g. `F052`.
    public var featureID: String
    /// When the checkpoint was written, RFC 3339 UTC.
    public var timestamp: String
    /// Ids of completed workstreams.
    public var completed: [String]
    /// Ids of workstreams whose last attempt failed: retried on resume.
    public var failed: [String]
    /// The graph as it was, with remaining indegrees.
    public var graph: GraphSnapshot?
    /// The circuit breaker's state.
    public var circuitBreaker: BreakerSnapshot?

    // Additions of version 1.1.

    /// Attempts that were running when the checkpoint was written: uncertain after a crash.
    public var inFlight: [InFlightRecord]?
    /// Ids interrupted by a signal or cancellation: run again on resume.
    public var interrupted: [String]?
    /// Ids skipped because a dependency failed, with that dependency.
    public var skipped: [String: String]?
    /// Per-workstream history accumulated across runs.
    public var workstreams: [String: WorkstreamRecord]?
    /// How many runs have worked on this checkpoint.
    public var runs: Int?
    /// Wall-clock time of those runs, in milliseconds.
    public var elapsedMS: Int?
    /// Total cost reported by commands across runs (`$ONESHOT_REPORT`), in US dollars.
    public var costUSD: Double?
    /// A hash of every workstream's definition, to tell whether the files changed.
    public var fingerprint: String?
    /// When a workstream last changed state, RFC 3339 UTC.
    public var lastStateChange: String?
    /// The last line of `<feature>-journal.jsonl` this snapshot includes; later lines are
    /// replayed on load.
    public var journalSeq: Int?
    /// When each attempt ran, each run and the breaker's transitions, for `oneshot trace` and
    /// `oneshot report`; absent in checkpoints written before it.
    public var timeline: RunTimeline?
    /// The run settings of the run that wrote it (`--exec`, `-j`, …): a resume without flags
    /// uses them. Absent in checkpoints written before it existed, which load as before.
    public var settings: RecordedSettings?

    enum CodingKeys: String, CodingKey {
        case version, timestamp, completed, failed, graph, interrupted, skipped, workstreams, runs, fingerprint, timeline
        case settings
        case featureID = "feature_id"
        case circuitBreaker = "circuit_breaker"
        case inFlight = "in_flight"
        case elapsedMS = "elapsed_ms"
        case costUSD = "cost_usd"
        case lastStateChange = "last_state_change"
        case journalSeq = "journal_seq"
    }

    /// Creates an empty checkpoint for `featureID`.
    public init(featureID: String, timestamp: String) {
        version = Self.currentVersion
        self.featureID = featureID
        self.timestamp = timestamp
        completed = []
        failed = []
    }
}

/// The seed's `graph`: nodes with their dependencies and remaining indegree, and the edges.
public struct GraphSnapshot: Codable, Sendable, Equatable {
    /// One node per workstream.
    public var nodes: [NodeSnapshot]
    /// For each id, the ids that depend on it.
    public var edges: [String: [String]]

    /// Creates a snapshot.
    public init(nodes: [NodeSnapshot], edges: [String: [String]]) {
        self.nodes = nodes
        self.edges = edges
    }
}

/// One node of a ``GraphSnapshot``.
public struct NodeSnapshot: Codable, Sendable, Equatable {
    /// The workstream's id.
    public var id: String
    /// Its dependencies.
    public var dependsOn: [String]
    /// How many of them are not completed yet.
    public var indegree: Int
    /// Whether it is completed.
    public var completed: Bool

    enum CodingKeys: String, CodingKey {
        case id, indegree, completed
        case dependsOn = "depends_on"
    }

    /// Creates a node.
    public init(id: String, dependsOn: [String], indegree: Int, completed: Bool) {
        self.id = id
        self.dependsOn = dependsOn
        self.indegree = indegree
        self.completed = completed
    }
}

/// The seed's `circuit_breaker`: `state` 0 closed, 1 open, 2 half-open.
public struct BreakerSnapshot: Codable, Sendable, Equatable {
    /// 0 closed, 1 open, 2 half-open.
    public var state: Int
    /// Failures counted in the window.
    public var failureCount: Int
    /// Successes counted.
    public var successCount: Int
    /// Trips in a row without a success between them.
    public var consecutiveOpens: Int
    /// When the last failure happened, RFC 3339 UTC; the seed writes a zero time for none.
    public var lastFailureTime: String?
    /// Version 1.1: the window of recent outcomes, oldest first, 1 for a failure.
    public var window: [Int]?
    /// Version 1.1: the workstream of each outcome in ``window``. Absent in older checkpoints:
    /// their window is then restored empty (see `CircuitBreaker.restoring`).
    public var windowIDs: [String]?
    /// Version 1.1: while open, when the open period ends, RFC 3339 UTC.
    public var openUntil: String?
    /// Version 1.1: when the state last changed, RFC 3339 UTC.
    public var lastStateChange: String?

    enum CodingKeys: String, CodingKey {
        case state, window
        case windowIDs = "window_ids"
        case failureCount = "failure_count"
        case successCount = "success_count"
        case consecutiveOpens = "consecutive_opens"
        case lastFailureTime = "last_failure_time"
        case openUntil = "open_until"
        case lastStateChange = "last_state_change"
    }

    /// Creates a snapshot.
    public init(
        state: Int, failureCount: Int, successCount: Int, consecutiveOpens: Int, lastFailureTime: String?,
        window: [Int]? = nil, openUntil: String? = nil, lastStateChange: String? = nil, windowIDs: [String]? = nil
    ) {
        self.state = state
        self.failureCount = failureCount
        self.successCount = successCount
        self.consecutiveOpens = consecutiveOpens
        self.lastFailureTime = lastFailureTime
        self.window = window
        self.windowIDs = windowIDs
        self.openUntil = openUntil
        self.lastStateChange = lastStateChange
    }
}

/// An attempt that was running: enough to report it, find its process, and not run it twice.
public struct InFlightRecord: Codable, Sendable, Equatable {
    /// The workstream's id.
    public var id: String
    /// The attempt number.
    public var attempt: Int
    /// When it started, RFC 3339 UTC.
    public var startedAt: String
    /// The child's pid, which is also its process group id, once spawned.
    public var pid: Int32?
    /// The child's start time in clock ticks since boot (`/proc/<pid>/stat` field 22), to tell
    /// the same process from a later one with a recycled pid.
    public var processStart: UInt64?
    /// The run (``Checkpoint/runs``) that started it.
    public var run: Int?
    /// The boot the process ran on (`/proc/sys/kernel/random/boot_id`): a pid means nothing on
    /// another boot, so a record without this boot's id is never signalled or adopted.
    public var bootID: String?
    /// The host the process ran on, to say where it was when it is not here.
    public var host: String?
    /// The pid namespace the process ran in (the inode of `/proc/self/ns/pid`): a pid recorded
    /// in another namespace (another container) cannot be checked from here. Absent in records
    /// written before it was recorded: those are judged by boot and host alone.
    public var pidNamespace: UInt64?
    /// The batch scheduler that runs the attempt as a job (`Slurm`), for an attempt that is a
    /// job rather than a process here.
    public var scheduler: String?
    /// The scheduler's id of that job, journaled once the submission returned it. A record
    /// without it (oneshot died between submitting and journaling) is found again by the
    /// job's deterministic name.
    public var jobID: String?
    /// What was wrong with the process fields as the file held them (`pid 99999999999`,
    /// `process_start -4`): read as no process, so that the record (and with it the knowledge
    /// that the attempt was running) is kept, and reported by the validation.
    var unreadableProcess: String?

    enum CodingKeys: String, CodingKey {
        case id, attempt, pid, run, host, scheduler
        case startedAt = "started_at"
        case jobID = "job_id"
        case processStart = "process_start"
        case bootID = "boot_id"
        case pidNamespace = "pid_namespace"
    }

    /// Decodes a record; a `pid` or `process_start` that cannot be one does not cost the
    /// record: it is kept without its process, see ``unreadableProcess``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        attempt = try container.decode(Int.self, forKey: .attempt)
        startedAt = try container.decode(String.self, forKey: .startedAt)
        run = try container.decodeIfPresent(Int.self, forKey: .run)
        bootID = try container.decodeIfPresent(String.self, forKey: .bootID)
        host = try container.decodeIfPresent(String.self, forKey: .host)
        pidNamespace = try container.decodeIfPresent(UInt64.self, forKey: .pidNamespace)
        scheduler = try container.decodeIfPresent(String.self, forKey: .scheduler)
        jobID = try container.decodeIfPresent(String.self, forKey: .jobID)
        let pid = Self.lenient(Int32.self, .pid, "a pid", in: container)
        let start = Self.lenient(UInt64.self, .processStart, "a start time in clock ticks", in: container)
        unreadableProcess = pid.problem ?? start.problem
        if unreadableProcess == nil {
            self.pid = pid.value
            processStart = start.value
        }
    }

    /// The field's value, or what it held when that is not a `T` (`"pid -1e+20 is not a pid"`).
    private static func lenient<T: Decodable>(
        _ type: T.Type, _ key: CodingKeys, _ noun: String, in container: KeyedDecodingContainer<CodingKeys>
    ) -> (value: T?, problem: String?) {
        guard container.contains(key), (try? container.decodeNil(forKey: key)) == false else { return (nil, nil) }
        if let value = try? container.decode(T.self, forKey: key) { return (value, nil) }
        let number = try? container.decode(Double.self, forKey: key)
        let held = number.map { $0.rounded() == $0 && abs($0) < 1e18 ? "\(Int64($0))" : "\($0)" } ?? "(not a number)"
        return (nil, "\(key.stringValue) \(held) is not \(noun)")
    }

    /// Creates a record.
    public init(
        id: String, attempt: Int, startedAt: String, pid: Int32? = nil, processStart: UInt64? = nil, run: Int? = nil,
        bootID: String? = nil, host: String? = nil
    ) {
        self.id = id
        self.attempt = attempt
        self.startedAt = startedAt
        self.pid = pid
        self.processStart = processStart
        self.run = run
        self.bootID = bootID
        self.host = host
    }

    /// What runs the attempt, for messages: `Slurm job 1234`, `pid 4242`, or `pid ?` for a
    /// process not recorded yet; a job whose id was not journaled is `Slurm job ?`.
    public var runner: String {
        if let scheduler { return "\(scheduler) job \(jobID ?? "?")" }
        if let jobID { return "job \(jobID)" }
        return "pid \(pid.map(String.init) ?? "?")"
    }
}

/// One workstream's history across runs.
public struct WorkstreamRecord: Codable, Sendable, Equatable {
    /// Attempts made, all runs together.
    public var attempts: Int
    /// Time spent in them, in milliseconds.
    public var durationMS: Int
    /// Duration of the successful attempt, in milliseconds: the estimate for later runs.
    public var lastSuccessMS: Int?
    /// Last attempt's status.
    public var lastStatus: String?
    /// Last attempt's exit code.
    public var lastExitCode: Int32?
    /// Cost reported by its commands, in US dollars.
    public var costUSD: Double?
    /// When it completed, RFC 3339 UTC.
    public var completedAt: String?
    /// Hash of its definition when it completed: dependencies, command, outputs.
    public var definition: String?
    /// The run and attempt of its last finished attempt: an in-flight record up to these finished.
    public var lastRun: Int?
    /// See ``lastRun``.
    public var lastAttempt: Int?

    enum CodingKeys: String, CodingKey {
        case attempts, definition
        case lastRun = "last_run"
        case lastAttempt = "last_attempt"
        case durationMS = "duration_ms"
        case lastSuccessMS = "last_success_ms"
        case lastStatus = "last_status"
        case lastExitCode = "last_exit_code"
        case costUSD = "cost_usd"
        case completedAt = "completed_at"
    }

    /// Creates an empty record.
    public init() {
        attempts = 0
        durationMS = 0
    }
}
