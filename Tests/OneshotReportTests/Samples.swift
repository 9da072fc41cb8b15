import Foundation
import OneshotCheckpoint

/// Checkpoints with a known timeline: two runs an hour apart (a resume), a retried failure, a
/// final failure, a breaker trip, a deadline, an attempt in flight.
enum Samples {
    /// 2026-11-29T12:00:00Z.
    static let t0: Int64 = 1_795_953_600_000
    static let hostile = "<script>alert(1)</script>"

    static func span(_ id: String, _ attempt: Int, run: Int, at start: Int64, ms: Int, _ status: String, exit: Int32? = nil)
        -> RunTimeline.Span
    {
        RunTimeline.Span(
            id: id, attempt: attempt, run: run, startMS: t0 + start, durationMS: ms, status: status,
            exitCode: exit ?? (status == "succeeded" ? 0 : 1), costUSD: status == "succeeded" ? 0.5 : nil)
    }

    /// `a` → `b` → `d`, `a` → `c` → `d`; `c` failed twice in run 1 (the breaker opened), succeeded
    /// in run 2; `d` failed in run 2; `e` still in flight.
    static func checkpoint(hostileID: Bool = false) -> Checkpoint {
        let c = hostileID ? hostile : "c"
        var checkpoint = Checkpoint(featureID: "F1", timestamp: "2026-11-29T13:00:10Z")
        checkpoint.completed = ["a", "b", c]
        checkpoint.failed = ["d"]
        checkpoint.runs = 2
        checkpoint.elapsedMS = 14_000
        checkpoint.costUSD = 1.5
        checkpoint.graph = GraphSnapshot(
            nodes: [
                NodeSnapshot(id: "a", dependsOn: [], indegree: 0, completed: true),
                NodeSnapshot(id: "b", dependsOn: ["a"], indegree: 0, completed: true),
                NodeSnapshot(id: c, dependsOn: ["a"], indegree: 0, completed: true),
                NodeSnapshot(id: "d", dependsOn: ["b", c], indegree: 0, completed: false),
                NodeSnapshot(id: "e", dependsOn: [], indegree: 0, completed: false),
            ], edges: ["a": ["b", c], "b": ["d"], c: ["d"]])
        checkpoint.inFlight = [InFlightRecord(id: "e", attempt: 1, startedAt: "2026-11-29T13:00:05Z", run: 2)]
        checkpoint.timeline = RunTimeline(
            runs: [
                RunTimeline.Run(run: 1, startMS: t0, endMS: t0 + 4_000),
                RunTimeline.Run(run: 2, startMS: t0 + 3_600_000, endMS: t0 + 3_610_000, deadlineMS: t0 + 3_609_000),
            ],
            attempts: [
                span("a", 1, run: 1, at: 100, ms: 1_000, "succeeded"),
                span("b", 1, run: 1, at: 1_150, ms: 2_000, "succeeded"),
                span(c, 1, run: 1, at: 1_150, ms: 500, "failed"),
                span(c, 2, run: 1, at: 2_700, ms: 600, "timed_out", exit: nil),
                span(c, 3, run: 2, at: 3_600_100, ms: 1_500, "succeeded"),
                span("d", 1, run: 2, at: 3_601_700, ms: 800, "failed", exit: 3),
            ],
            breaker: [
                RunTimeline.BreakerChange(atMS: t0 + 3_300, state: 1, untilMS: t0 + 63_300),
                RunTimeline.BreakerChange(atMS: t0 + 3_601_600, state: 0),
            ])
        return checkpoint
    }
}
