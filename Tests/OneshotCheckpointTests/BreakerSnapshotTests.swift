import Foundation
import OneshotBreaker
import OneshotCheckpoint
import Testing

/// The breaker's window in the checkpoint: saved with its workstreams (`window_ids`, 1.1), and
/// still loaded from checkpoints written without them.
@Suite struct BreakerSnapshotTests {
    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func breaker(after outcomes: [(String, Bool)]) -> CircuitBreaker {
        var breaker = CircuitBreaker()
        for (id, failed) in outcomes {
            guard case .admitted(let permit) = breaker.admit(now: now) else { break }
            _ = breaker.record(permit, failed: failed, name: id, now: now)
        }
        return breaker
    }

    @Test func theWindowIsSavedWithItsWorkstreamsAndRestoredThroughTheFile() throws {
        let original = breaker(after: [("a", true), ("b", false), ("a", true)])
        var checkpoint = Checkpoint(featureID: "F1", timestamp: "2026-11-23T01:02:03Z")
        checkpoint.circuitBreaker = BreakerSnapshot(original.saved)
        let bytes = CheckpointCodec.encode(checkpoint)
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"window\":[0,1],\"window_ids\":[\"b\",\"a\"]"))
        let loaded = try CheckpointCodec.decode(bytes, path: "c.json", featureID: "F1")
        #expect(loaded == checkpoint)
        let snapshot = try #require(loaded.circuitBreaker)
        #expect(snapshot.failureCount == 1)
        let restored = CircuitBreaker.restoring(snapshot.saved, configuration: BreakerConfiguration(), now: now)
        #expect(restored.outcomes == original.outcomes)
    }

    @Test func aCheckpointWrittenWithoutWindowIDsLoadsAndItsWindowComesBackEmpty() throws {
        let text = """
            {"version": "1.1", "feature_id": "F1", "timestamp": "2026-11-23T01:02:03Z", "completed": [], "failed": ["a"],
             "circuit_breaker": {"state": 0, "failure_count": 2, "success_count": 0, "consecutive_opens": 0,
                                 "window": [1, 1]}}
            """
        let loaded = try CheckpointCodec.decode(Array(text.utf8), path: "c.json", featureID: "F1")
        let snapshot = try #require(loaded.circuitBreaker)
        #expect(snapshot.window == [1, 1] && snapshot.windowIDs == nil)
        let restored = CircuitBreaker.restoring(snapshot.saved, configuration: BreakerConfiguration(), now: now)
        #expect(restored.state == .closed)
        #expect(restored.outcomes.isEmpty)
    }

    @Test func theSeedsFailureCountLoadsAsBeforeAndRestoresAClosedBreakerEmpty() throws {
        let loaded = try CheckpointCodec.decode(Array(seedCheckpoint.utf8), path: "c.json", featureID: "F052")
        let snapshot = try #require(loaded.circuitBreaker)
        #expect(snapshot.saved.window == [true] && snapshot.saved.windowIDs == nil)
        let restored = CircuitBreaker.restoring(snapshot.saved, configuration: BreakerConfiguration(), now: now)
        #expect(restored.outcomes.isEmpty)
    }

    @Test func anOpenBreakerSavedWithoutWindowIDsIsRestoredOpenAsBefore() throws {
        let text = """
            {"version": "1.1", "feature_id": "F1", "timestamp": "2026-11-23T01:02:03Z", "completed": [], "failed": [],
             "circuit_breaker": {"state": 1, "failure_count": 0, "success_count": 0, "consecutive_opens": 1,
                                 "open_until": "2027-01-15T08:00:30.000Z"}}
            """
        let loaded = try CheckpointCodec.decode(Array(text.utf8), path: "c.json", featureID: "F1")
        let snapshot = try #require(loaded.circuitBreaker)
        let restored = CircuitBreaker.restoring(snapshot.saved, configuration: BreakerConfiguration(), now: now)
        #expect(restored.state == .open)
        #expect(restored.openUntil == now.addingTimeInterval(30))
    }
}
