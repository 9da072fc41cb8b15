import Foundation
import OneshotCheckpoint
import Testing

@Suite struct CheckpointCodecTests {
    private func decode(_ text: String, feature: String = "F052") throws(CheckpointError) -> Checkpoint {
        try CheckpointCodec.decode(Array(text.utf8), path: "c.json", featureID: feature)
    }

    private func reason(_ text: String, feature: String = "F052") -> String {
        do {
            _ = try decode(text, feature: feature)
            return "loaded"
        } catch {
            return error.reason
        }
    }

    @Test func loadsTheSeedExample() throws {
        let checkpoint = try decode(seedCheckpoint)
        #expect(checkpoint.version == "1.0")
        #expect(checkpoint.completed == ["00-052-01", "00-052-02"])
        #expect(checkpoint.failed == ["00-052-03"])
        #expect(checkpoint.graph?.nodes.first?.dependsOn == ["00-052-01"])
        #expect(checkpoint.graph?.edges["00-052-01"] == ["00-052-04", "00-052-05"])
        #expect(checkpoint.circuitBreaker?.failureCount == 1)
        #expect(checkpoint.inFlight == nil && checkpoint.runs == nil)
        #expect(checkpoint.settings == nil)
    }

    @Test func readsRecordedSettingsLenientlyWithoutLosingTheCheckpoint() throws {
        let text = """
            {"version": "1.1", "feature_id": "F052", "timestamp": "2026-11-23T01:02:03Z", "completed": ["a"], "failed": [],
             "settings": {"exec": "make {ws_id}", "jobs": 4, "strict_checkpoint": true, "timeout": null, "odd": [1]}}
            """
        let checkpoint = try decode(text)
        #expect(checkpoint.completed == ["a"])
        let expected: [String: String?] = ["exec": "make {ws_id}", "jobs": "4", "strict_checkpoint": "true", "timeout": nil]
        #expect(checkpoint.settings?.values == expected)
        #expect(checkpoint.settings?.unreadable == ["odd"])
        let notAnObject = try decode(text.replacingOccurrences(of: #""settings": {"#, with: #""settings": "x", "y": {"#))
        #expect(notAnObject.settings?.unreadable == ["settings"])
        #expect(notAnObject.completed == ["a"])
    }

    @Test func roundTripsEveryField() throws {
        var checkpoint = Checkpoint(featureID: "F052", timestamp: "2026-11-23T01:02:03Z")
        checkpoint.completed = ["a"]
        checkpoint.failed = ["b"]
        checkpoint.graph = GraphSnapshot(
            nodes: [NodeSnapshot(id: "b", dependsOn: ["a"], indegree: 0, completed: false)], edges: ["a": ["b"]])
        checkpoint.circuitBreaker = BreakerSnapshot(
            state: 1, failureCount: 3, successCount: 0, consecutiveOpens: 2, lastFailureTime: nil)
        checkpoint.inFlight = [
            InFlightRecord(id: "c", attempt: 2, startedAt: "2026-11-23T01:02:00Z", pid: 42, processStart: 7, run: 3)
        ]
        checkpoint.interrupted = ["d"]
        checkpoint.skipped = ["e": "b"]
        var record = WorkstreamRecord()
        record.attempts = 2
        record.durationMS = 1500
        record.costUSD = 0.25
        checkpoint.workstreams = ["a": record]
        checkpoint.runs = 3
        checkpoint.elapsedMS = 9000
        checkpoint.costUSD = 0.25
        checkpoint.fingerprint = "abc"
        let bytes = CheckpointCodec.encode(checkpoint)
        #expect(try CheckpointCodec.decode(bytes, path: "c.json", featureID: "F052") == checkpoint)
        // A stable key order: the same state always encodes to the same bytes.
        #expect(CheckpointCodec.encode(checkpoint) == bytes)
        #expect(String(decoding: bytes, as: UTF8.self).hasPrefix("{\"circuit_breaker\":"))
    }

    @Test(arguments: [
        ("", "the file is empty"),
        ("{\"version\": \"1.0\", \"feature_id\": \"F0", "not valid JSON (truncated or corrupt)"),
        ("[1, 2]", "field the top level has the wrong type; expected an object"),
        (
            "{\"version\": \"1.0\", \"feature_id\": \"F052\", \"timestamp\": \"2026-02-07T12:34:56Z\", \"completed\": [], \"failed\": 3}",
            "field failed has the wrong type; expected a list"
        ),
        (
            "{\"version\": \"1.0\", \"feature_id\": \"F052\", \"timestamp\": \"2026-02-07T12:34:56Z\", \"failed\": []}",
            "missing field completed"
        ),
        (
            "{\"version\": \"9.0\", \"feature_id\": \"F052\", \"timestamp\": \"2026-02-07T12:34:56Z\", \"completed\": [], \"failed\": []}",
            "unknown version '9.0'; this oneshot reads 1.0, 1.1"
        ),
        (
            "{\"version\": \"1.0\", \"feature_id\": \"F051\", \"timestamp\": \"2026-02-07T12:34:56Z\", \"completed\": [], \"failed\": []}",
            "belongs to feature 'F051', not F052"
        ),
        (
            "{\"version\": \"1.0\", \"feature_id\": \"F052\", \"timestamp\": \"yesterday\", \"completed\": [], \"failed\": []}",
            "timestamp 'yesterday' is not an RFC 3339 time"
        ),
        (
            "{\"version\": \"1.0\", \"feature_id\": \"F052\", \"timestamp\": \"2026-02-07T12:34:56Z\", \"completed\": [\"../x\"], \"failed\": []}",
            "invalid workstream id '../x': '/' is not allowed; use letters, digits, '.', '-' and '_'"
        ),
    ])
    func refusesUntrustworthyFiles(text: String, expected: String) {
        #expect(reason(text) == expected)
    }

    /// Whatever the writer can write, the loader accepts: an out-of-range number is clamped with
    /// a warning naming the file and the field, never a reason to discard the progress around it.
    @Test(arguments: [
        (
            "\"circuit_breaker\": {\"state\": 7, \"failure_count\": 0, \"success_count\": 0, \"consecutive_opens\": 0}",
            "c.json: circuit_breaker.state is 7; expected 0 (closed), 1 (open) or 2 (half-open); treated as half-open"
        ),
        (
            "\"circuit_breaker\": {\"state\": 0, \"failure_count\": -4, \"success_count\": 0, \"consecutive_opens\": 0}",
            "c.json: circuit_breaker.failure_count is -4; expected 0 to 1000000; using 0"
        ),
        ("\"runs\": 99999999999", "c.json: runs is 99999999999; expected 0 to 1000000; using 1000000"),
        (
            "\"workstreams\": {\"a\": {\"attempts\": 1, \"duration_ms\": -5}}",
            "c.json: workstreams.a.duration_ms is -5; expected 0 to 315360000000; using 0"
        ),
        // A wall-clock step back of an hour during a run, as the old writer recorded it.
        ("\"elapsed_ms\": -3596508", "c.json: elapsed_ms is -3596508; expected 0 to 315360000000; using 0"),
        // A command's absurd `$ONESHOT_REPORT`, as the old writer accepted it.
        ("\"cost_usd\": 1500000000", "c.json: cost_usd is 1500000000.0; expected 0.0 to 1000000000.0; using 1000000000.0"),
        (
            "\"in_flight\": [{\"id\": \"b\", \"attempt\": 0, \"started_at\": \"2026-02-07T12:34:00Z\"}]",
            "c.json: in_flight attempt of b is 0; expected 1 to 1000000; using 1"
        ),
    ])
    func clampsOutOfRangeNumbersWithAWarning(member: String, expected: String) throws {
        let text =
            "{\"version\": \"1.1\", \"feature_id\": \"F052\", \"timestamp\": \"2026-02-07T12:34:56Z\", \"completed\": [\"a\"], \"failed\": [], \(member)}"
        var warnings: [String] = []
        let checkpoint = try CheckpointCodec.decode(Array(text.utf8), path: "c.json", featureID: "F052", warnings: &warnings)
        #expect(checkpoint.completed == ["a"], "the progress is kept")
        #expect(warnings == [expected])
        // Clamped, it is within range: loading it again warns no more.
        var again: [String] = []
        _ = try CheckpointCodec.decode(CheckpointCodec.encode(checkpoint), path: "c.json", featureID: "F052", warnings: &again)
        #expect(again == [])
    }
}
