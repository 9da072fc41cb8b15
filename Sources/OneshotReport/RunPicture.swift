import Foundation
import OneshotCheckpoint
import OneshotSystem

/// A feature's run laid out for a picture: every attempt of every run as a bar on a concurrency
/// slot, the runs, the breaker's open periods, the deadline, the critical path, and a row per
/// workstream. ``ChromeTrace`` and ``HTMLReport`` draw it.
///
/// Built from a checkpoint (a run in progress or interrupted, its journal replayed) or from the
/// history a successful run left.
public struct RunPicture: Sendable, Equatable {
    /// One attempt.
    public struct Bar: Sendable, Equatable {
        /// The workstream's id.
        public var id: String
        /// The attempt number, 1 for the first try.
        public var attempt: Int
        /// The run that recorded it.
        public var run: Int
        /// When it started and ended, ms since the epoch.
        public var startMS: Int64
        /// See ``startMS``.
        public var endMS: Int64
        /// Its duration as recorded, in milliseconds (`endMS - startMS`).
        public var durationMS: Int
        /// `succeeded`, `failed`, `timed_out`, `interrupted`, `uncertain`, or `running` for an
        /// attempt not ended yet.
        public var outcome: String
        /// Its exit code, when it exited.
        public var exitCode: Int32?
        /// The cost it reported, in US dollars.
        public var costUSD: Double?
        /// The concurrency slot it ran in, from 0: attempts packed so that a slot never holds two
        /// at once.
        public var slot: Int
        /// Whether its workstream is on the critical path.
        public var critical: Bool
    }

    /// One workstream, for the table: the row `oneshot status` shows.
    public typealias Row = CheckpointStatus.Row

    /// A period, ms since the epoch.
    public struct Period: Sendable, Equatable {
        /// Its start.
        public var startMS: Int64
        /// Its end.
        public var endMS: Int64
    }

    /// The feature.
    public var featureID: String
    /// `succeeded`, `failed`, `running`, or `unfinished` (interrupted, stopped, not yet done).
    public var result: String
    /// Whether every workstream is done: no resume to suggest.
    public var finished: Bool
    /// Runs (the first and its resumes), as the timeline recorded them.
    public var runs: [RunTimeline.Run]
    /// How many runs worked on it (the checkpoint's count; older runs may have left no timeline).
    public var runCount: Int
    /// Wall-clock time of the runs, in milliseconds.
    public var elapsedMS: Int
    /// Total cost, in US dollars.
    public var costUSD: Double
    /// Every attempt, in start order.
    public var bars: [Bar]
    /// How many slots the bars use.
    public var slots: Int
    /// The critical path: each workstream after the dependency that finished last before it,
    /// back from the attempt that ended last.
    public var criticalPath: [String]
    /// When the breaker was open.
    public var breakerOpen: [Period]
    /// Breaker transitions, as recorded.
    public var breakerChanges: [RunTimeline.BreakerChange]
    /// One row per workstream, in id order.
    public var rows: [Row]

    /// The earliest time drawn, ms since the epoch.
    public var originMS: Int64 {
        min(runs.map(\.startMS).min() ?? Int64.max, bars.map(\.startMS).min() ?? Int64.max).clampedToNow
    }

    /// The latest time drawn, ms since the epoch.
    public var endMS: Int64 {
        max(runs.compactMap(\.endMS).max() ?? originMS, bars.map(\.endMS).max() ?? originMS)
    }
}

extension RunPicture {
    /// The picture of a checkpoint, as ``CheckpointReader`` returns it (journal replayed).
    ///
    /// - Parameters:
    ///   - checkpoint: the checkpoint.
    ///   - runInProgress: whether a run holds its lock: its attempts in flight are running, drawn
    ///     up to `now`; otherwise they are uncertain, drawn up to the last run's end.
    ///   - now: the time to draw running attempts up to.
    ///   - dependencies: each workstream's dependencies, for the critical path; by default the
    ///     checkpoint's graph.
    public init(
        checkpoint: Checkpoint, runInProgress: Bool, now: Date = Date(), dependencies: [String: [String]]? = nil
    ) {
        let timeline = checkpoint.timeline ?? RunTimeline()
        let status = CheckpointStatus(checkpoint: checkpoint, runInProgress: runInProgress)
        let lastEnd = timeline.runs.last?.endMS ?? Self.milliseconds(checkpoint.timestamp)
        let drawnUntil = runInProgress ? Self.milliseconds(now) : lastEnd
        var spans = timeline.attempts.map { Bar(span: $0) }
        let running = Set(status.rows.filter { $0.state == "running" || $0.state == "uncertain" }.map(\.id))
        for record in checkpoint.inFlight ?? [] where running.contains(record.id) {
            let start = RFC3339.parse(record.startedAt).map(Self.milliseconds) ?? drawnUntil
            spans.append(
                Bar(
                    id: record.id, attempt: record.attempt, run: record.run ?? checkpoint.runs ?? 1, startMS: start,
                    endMS: max(start, drawnUntil), durationMS: Int(max(0, drawnUntil - start)),
                    outcome: runInProgress ? "running" : "uncertain", exitCode: nil, costUSD: nil, slot: 0, critical: false))
        }
        let graphDependencies = Dictionary(
            (checkpoint.graph?.nodes ?? []).map { ($0.id, $0.dependsOn) }, uniquingKeysWith: { first, _ in first })
        let finished = status.rows.allSatisfy { $0.state == "completed" }
        let result =
            runInProgress
            ? "running" : finished ? "succeeded" : status.rows.contains { $0.state == "failed" } ? "failed" : "unfinished"
        self.init(
            featureID: checkpoint.featureID, result: result, finished: finished && !runInProgress, timeline: timeline,
            runCount: checkpoint.runs ?? 1, elapsedMS: checkpoint.elapsedMS ?? 0, costUSD: checkpoint.costUSD ?? 0,
            bars: spans, dependencies: dependencies ?? graphDependencies,
            rows: status.rows)
    }

    /// The picture of the last successful run, from its history.
    ///
    /// - Parameters:
    ///   - history: the record.
    ///   - dependencies: each workstream's dependencies (the history does not keep them), for
    ///     the critical path; empty: the path is the attempt that ended last.
    public init(history: RunHistory, dependencies: [String: [String]] = [:]) {
        let timeline = history.timeline ?? RunTimeline()
        self.init(
            featureID: history.featureID, result: "succeeded", finished: true, timeline: timeline, runCount: history.runs,
            elapsedMS: history.elapsedMS, costUSD: history.costUSD, bars: timeline.attempts.map { Bar(span: $0) },
            dependencies: dependencies,
            rows: history.workstreams.sorted { $0.key < $1.key }.map { id, entry in
                Row(
                    id: id, state: "completed", attempts: entry.attempts, durationMS: entry.durationMS, costUSD: entry.costUSD,
                    blockedBy: nil)
            })
    }

    private init(
        featureID: String, result: String, finished: Bool, timeline: RunTimeline, runCount: Int, elapsedMS: Int,
        costUSD: Double, bars: [Bar], dependencies: [String: [String]], rows: [Row]
    ) {
        self.featureID = featureID
        self.result = result
        self.finished = finished
        runs = timeline.runs
        self.runCount = max(runCount, timeline.runs.count)
        self.elapsedMS = elapsedMS
        self.costUSD = costUSD
        let packed = SlotPacking.pack(bars)
        self.bars = packed.bars
        slots = packed.slots
        criticalPath = CriticalPath.of(packed.bars, dependencies: dependencies)
        let onPath = Set(criticalPath)
        for index in self.bars.indices where onPath.contains(self.bars[index].id) { self.bars[index].critical = true }
        breakerChanges = timeline.breaker
        breakerOpen = Self.openPeriods(timeline.breaker, until: max(timeline.runs.compactMap(\.endMS).max() ?? 0, 0))
        self.rows = rows
    }

    /// The periods the breaker spent open: from each opening to the next transition, or to the
    /// end of its open period, or to `until`.
    static func openPeriods(_ changes: [RunTimeline.BreakerChange], until: Int64) -> [Period] {
        var periods: [Period] = []
        for (index, change) in changes.enumerated() where change.state == 1 {
            let next = index + 1 < changes.count ? changes[index + 1].atMS : nil
            let end = next ?? change.untilMS.map { min($0, max(until, change.atMS)) } ?? max(until, change.atMS)
            periods.append(Period(startMS: change.atMS, endMS: max(change.atMS, end)))
        }
        return periods
    }

    static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    static func milliseconds(_ text: String) -> Int64 {
        RFC3339.parse(text).map(milliseconds) ?? milliseconds(Date())
    }
}

extension RunPicture.Bar {
    /// The bar of a recorded span, in slot 0 until packed.
    init(span: RunTimeline.Span) {
        self.init(
            id: span.id, attempt: span.attempt, run: span.run, startMS: span.startMS, endMS: span.endMS,
            durationMS: span.durationMS, outcome: span.status, exitCode: span.exitCode, costUSD: span.costUSD, slot: 0,
            critical: false)
    }
}

extension Int64 {
    /// `Int64.max` (nothing drawn) as now, so that an empty picture has a sane origin.
    fileprivate var clampedToNow: Int64 {
        self == .max ? RunPicture.milliseconds(Date()) : self
    }
}
