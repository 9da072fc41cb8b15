import Foundation

/// A reader's view of a checkpoint: each workstream's state and history, and the totals.
/// Built by `oneshot status` and available to an embedding harness.
public struct CheckpointStatus: Sendable, Equatable {
    /// One workstream's line.
    public struct Row: Sendable, Equatable {
        /// Its id.
        public var id: String
        /// `completed`, `failed`, `running` (in flight, a run in progress), `uncertain` (in flight
        /// when a run died), `interrupted`, `skipped` or `pending`.
        public var state: String
        /// Attempts across runs.
        public var attempts: Int
        /// Time in those attempts, milliseconds.
        public var durationMS: Int
        /// Cost reported, US dollars.
        public var costUSD: Double?
        /// For a skipped workstream, the failure that blocked it.
        public var blockedBy: String?
        /// For an attempt in flight as a batch job, the job: `Slurm job 1234`.
        public var job: String?
        /// For an uncertain attempt (in flight when its run died), what a look at the machine
        /// found of it, when something was found: `running as pid 123, adopted by the next
        /// run`. Set by ``CheckpointStatus/probingOrphans(with:)``.
        public var orphan: String?

        /// Creates a row.
        public init(id: String, state: String, attempts: Int, durationMS: Int, costUSD: Double?, blockedBy: String?) {
            self.id = id
            self.state = state
            self.attempts = attempts
            self.durationMS = durationMS
            self.costUSD = costUSD
            self.blockedBy = blockedBy
        }
    }

    /// The checkpoint read.
    public var checkpoint: Checkpoint
    /// One row per workstream, in id order.
    public var rows: [Row]

    /// Derives the rows from `checkpoint` (as ``CheckpointReader`` returns it, journal replayed).
    ///
    /// - Parameter runInProgress: whether a run holds the lock: its in-flight attempts are
    ///   running; without one they are uncertain.
    public init(checkpoint: Checkpoint, runInProgress: Bool = false) {
        self.checkpoint = checkpoint
        let completed = Set(checkpoint.completed)
        let failed = Set(checkpoint.failed)
        let interrupted = Set(checkpoint.interrupted ?? [])
        let skipped = checkpoint.skipped ?? [:]
        let records = checkpoint.workstreams ?? [:]
        var running: Set<String> = []
        // The attempt in flight is counted: it was made, though its end was never recorded.
        var inFlightAttempt: [String: Int] = [:]
        var jobs: [String: String] = [:]
        for record in checkpoint.inFlight ?? [] {
            let finished =
                records[record.id].flatMap { finished in
                    finished.lastRun.map { ($0, finished.lastAttempt ?? 0) >= (record.run ?? 0, record.attempt) }
                } ?? false
            if !finished {
                running.insert(record.id)
                inFlightAttempt[record.id] = record.attempt
                if record.scheduler != nil { jobs[record.id] = record.runner }
            }
        }
        var ids = Set(checkpoint.graph?.nodes.map(\.id) ?? [])
        ids.formUnion(completed)
        ids.formUnion(failed)
        ids.formUnion(running)
        rows = ids.sorted().map { id in
            let state =
                if completed.contains(id) { "completed" } else if running.contains(id) {
                    runInProgress ? "running" : "uncertain"
                } else if failed.contains(id) { "failed" } else if interrupted.contains(id) {
                    "interrupted"
                } else if skipped[id] != nil { "skipped" } else { "pending" }
            let record = records[id]
            var row = Row(
                id: id, state: state, attempts: max(record?.attempts ?? 0, inFlightAttempt[id] ?? 0),
                durationMS: record?.durationMS ?? 0,
                costUSD: record?.costUSD, blockedBy: state == "skipped" ? skipped[id] : nil
            )
            row.job = jobs[id]
            return row
        }
    }

    /// The status with each uncertain attempt's ``Row/orphan`` filled in from `probe` (the
    /// executor's look at its exit status and process). Batch jobs are left as they are: asking
    /// the scheduler is the next run's business.
    public func probingOrphans(with probe: (InFlightRecord) -> OrphanFinding) -> CheckpointStatus {
        var status = self
        let records = Dictionary((checkpoint.inFlight ?? []).map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        for index in status.rows.indices where status.rows[index].state == "uncertain" && status.rows[index].job == nil {
            guard let record = records[status.rows[index].id] else { continue }
            status.rows[index].orphan = Self.text(probe(record))
        }
        return status
    }

    private static func text(_ finding: OrphanFinding) -> String? {
        switch finding {
        case .running(let pid): "running as pid \(pid), adopted by the next run"
        case .finished(let code, _): "exited \(code), recorded by the next run"
        case .elsewhere(let place): "ran \(place)"
        case .jobActive(let scheduler, let job): "\(scheduler) job \(job) active, adopted by the next run"
        case .unknown: nil
        }
    }

    /// Every state a row can be in, in display order.
    public static let states = ["completed", "running", "uncertain", "failed", "interrupted", "skipped", "pending"]

    /// How many rows are in `state`.
    public func count(_ state: String) -> Int {
        rows.reduce(0) { $0 + ($1.state == state ? 1 : 0) }
    }
}
