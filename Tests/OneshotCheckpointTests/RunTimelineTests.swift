import Foundation
import OneshotDispatch
import OneshotGraph
import OneshotWorkstreams
import Testing

@testable import OneshotCheckpoint

/// The timeline the checkpoint keeps for `oneshot trace` and `oneshot report`: each attempt from
/// its start line to its end, the breaker's transitions, the runs; old files without it.
@Suite struct RunTimelineTests {
    private static let t0 = "2026-11-29T12:00:00.250Z"
    private static let t0MS: Int64 = 1_795_953_600_250

    private func started(_ seq: Int, _ id: String, attempt: Int, at: String, pid: Int32? = nil) -> JournalLine {
        JournalLine(
            seq: seq, at: at,
            started: InFlightRecord(id: id, attempt: attempt, startedAt: "2026-11-29T12:00:00Z", pid: pid, run: 1))
    }

    private func finished(_ seq: Int, _ id: String, attempt: Int, at: String, ms: Int, status: String, code: Int32?)
        -> JournalLine
    {
        var line = JournalLine(seq: seq, at: at)
        line.finished = [
            FinishedAttempt(
                id: id, attempt: attempt, run: 1, status: status, final: status == "succeeded", durationMS: ms, exitCode: code,
                costUSD: 0.25, definition: nil)
        ]
        return line
    }

    @Test func readsTimesToTheMillisecond() {
        #expect(EpochMilliseconds.parse(Self.t0) == Self.t0MS)
        #expect(EpochMilliseconds.parse("2026-11-29T12:00:00Z") == Self.t0MS - 250)
        #expect(EpochMilliseconds.parse("2026-11-29T13:00:00.250+01:00") == Self.t0MS)
        #expect(EpochMilliseconds.parse("1970-01-01T00:00:00.000Z") == 0)
        #expect(EpochMilliseconds.parse("not a time") == nil)
    }

    @Test func anAttemptSpansFromItsFirstStartLineForItsRecordedDuration() {
        var state = CheckpointState(restoring: Checkpoint(featureID: "F1", timestamp: "2026-11-29T12:00:00Z"))
        state.apply(started(1, "a", attempt: 1, at: Self.t0))
        // The process record of the same attempt, later: not a new start.
        state.apply(started(2, "a", attempt: 1, at: "2026-11-29T12:00:00.300Z", pid: 42))
        state.apply(finished(3, "a", attempt: 1, at: "2026-11-29T12:00:01.000Z", ms: 700, status: "failed", code: 2))
        state.apply(started(4, "a", attempt: 2, at: "2026-11-29T12:00:02.000Z"))
        state.apply(finished(5, "a", attempt: 2, at: "2026-11-29T12:00:02.600Z", ms: 550, status: "succeeded", code: 0))
        #expect(
            state.spans.all == [
                RunTimeline.Span(
                    id: "a", attempt: 1, run: 1, startMS: Self.t0MS, durationMS: 700, status: "failed", exitCode: 2, costUSD: 0.25
                ),
                RunTimeline.Span(
                    id: "a", attempt: 2, run: 1, startMS: Self.t0MS + 1750, durationMS: 550, status: "succeeded", exitCode: 0,
                    costUSD: 0.25),
            ])
    }

    @Test func breakerTransitionsAreRecordedOncePerChange() {
        var state = CheckpointState(restoring: Checkpoint(featureID: "F1", timestamp: "2026-11-29T12:00:00Z"))
        func breaker(_ seq: Int, state value: Int, changed: String, until: String? = nil, failures: Int) -> JournalLine {
            var line = JournalLine(seq: seq, at: changed)
            line.breaker = BreakerSnapshot(
                state: value, failureCount: failures, successCount: 0, consecutiveOpens: value == 1 ? 1 : 0,
                lastFailureTime: nil, openUntil: until, lastStateChange: changed)
            return line
        }
        state.apply(breaker(1, state: 0, changed: Self.t0, failures: 1))
        state.apply(breaker(2, state: 1, changed: "2026-11-29T12:00:01.000Z", until: "2026-11-29T12:01:01.000Z", failures: 3))
        state.apply(breaker(3, state: 1, changed: "2026-11-29T12:00:01.000Z", until: "2026-11-29T12:01:01.000Z", failures: 3))
        state.apply(breaker(4, state: 0, changed: "2026-11-29T12:01:02.000Z", failures: 0))
        #expect(
            state.timeline.breaker == [
                RunTimeline.BreakerChange(atMS: Self.t0MS + 750, state: 1, untilMS: Self.t0MS + 60_750),
                RunTimeline.BreakerChange(atMS: Self.t0MS + 61_750, state: 0),
            ])
    }

    @Test func aNewRunIsAddedToTheTimelineItResumesAndEndsWhenWritten() throws {
        var previous = Checkpoint(featureID: "F1", timestamp: "2026-11-29T12:00:05Z")
        previous.runs = 1
        previous.timeline = RunTimeline(runs: [RunTimeline.Run(run: 1, startMS: Self.t0MS, endMS: Self.t0MS + 5000)])
        let graph = try WorkstreamGraph([Workstream(id: "a")])
        let plan = ResumePlan.fresh(graph, completed: [])
        let state = CheckpointState(plan: plan, previous: previous, startedAt: ContinuousClock.now)
        let now = Date()
        let written = try #require(
            state.checkpoint(featureID: "F1", graph: nil, fingerprint: nil, journalSeq: 0, now: now).timeline)
        #expect(written.runs.count == 2)
        #expect(written.runs[0] == previous.timeline?.runs[0])
        #expect(written.runs[1].run == 2)
        #expect(written.runs[1].endMS == EpochMilliseconds.of(now))
    }

    @Test func aCheckpointWithoutATimelineLoadsAndADamagedOneCostsOnlyItsBadEntries() throws {
        let old = #"{"version":"1.0","feature_id":"F1","timestamp":"2026-11-29T12:00:00Z","completed":[],"failed":[]}"#
        #expect(try CheckpointCodec.decode(Array(old.utf8), path: "c", featureID: "F1").timeline == nil)
        let damaged = #"""
            {"version":"1.1","feature_id":"F1","timestamp":"2026-11-29T12:00:00Z","completed":[],"failed":[],
             "timeline":{"attempts":[{"id":"a"},["b",1,1,9,5,"failed"],7,["c",1,1,9,5,"failed",null,0.5],["d",1]],
                         "runs":"nonsense"}}
            """#
        let timeline = try #require(try CheckpointCodec.decode(Array(damaged.utf8), path: "c", featureID: "F1").timeline)
        #expect(timeline.attempts.map(\.id) == ["b", "c"])
        #expect(timeline.attempts.last?.costUSD == 0.5 && timeline.attempts.last?.exitCode == nil)
        #expect(timeline.runs.isEmpty && timeline.breaker.isEmpty)
        let wrong = old.replacingOccurrences(of: #""failed":[]"#, with: #""failed":[],"timeline":5"#)
        #expect(try CheckpointCodec.decode(Array(wrong.utf8), path: "c", featureID: "F1").timeline == RunTimeline())
    }

    @Test func theHistoryKeepsTheTimelineAndReadsRecordsWithoutIt() throws {
        let graph = try WorkstreamGraph([Workstream(id: "a")])
        var checkpoint = Checkpoint(featureID: "F1", timestamp: "2026-11-29T12:00:00Z")
        checkpoint.completed = ["a"]
        let timeline = RunTimeline(
            runs: [RunTimeline.Run(run: 1, startMS: 1, endMS: 9)],
            attempts: [RunTimeline.Span(id: "a", attempt: 1, run: 1, startMS: 2, durationMS: 5, status: "succeeded")])
        checkpoint.timeline = timeline
        let history = RunHistory.recording(checkpoint: checkpoint, graph: graph, exec: nil, finishedAt: Date())
        #expect(history.timeline == timeline)
        let folder = try TemporaryFolder()
        try history.write(to: folder.file("F1.json"))
        #expect(RunHistory.load(folder.file("F1.json"), featureID: "F1").history?.timeline == timeline)
        try folder.write(
            "old.json",
            #"{"version":1,"feature_id":"F1","finished_at":"2026-11-29T12:00:00Z","elapsed_ms":1,"cost_usd":0,"runs":1,"workstreams":{}}"#
        )
        let old = RunHistory.load(folder.file("old.json"), featureID: "F1")
        #expect(old.warning == nil)
        #expect(old.history?.timeline == nil)
    }
}
