import Foundation
import OneshotDispatch
import Testing

@testable import OneshotCheckpoint

/// A seeded mutation fuzzer over the checkpoint loader: the seed's example and a full 1.1
/// checkpoint, bytes flipped, truncated, spliced, JSON punctuation inserted. No trap, no hang;
/// every rejection a ``CheckpointError`` naming the file, and salvaged without a trap; whatever
/// is accepted or salvaged, written again, loads without a warning.
@Suite(.timeLimit(.minutes(5))) struct CheckpointFuzzTests {
    static let iterations = ProcessInfo.processInfo.environment["ONESHOT_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 20000

    @Test func mutatedCheckpointsNeverTrapAndFailCleanly() async {
        var full = Checkpoint(featureID: "F052", timestamp: "2026-11-23T01:02:03Z")
        full.completed = ["a", "b"]
        full.failed = ["c"]
        full.inFlight = [InFlightRecord(id: "d", attempt: 1, startedAt: "2026-11-23T01:02:00Z", pid: 4, processStart: 9, run: 2)]
        full.circuitBreaker = BreakerSnapshot(
            state: 1, failureCount: 3, successCount: 0, consecutiveOpens: 1, lastFailureTime: nil, window: [1, 1, 1])
        var record = WorkstreamRecord()
        record.attempts = 3
        full.workstreams = ["a": record]
        let seeds = [Array(seedCheckpoint.utf8), CheckpointCodec.encode(full)]
        let tokens: [[UInt8]] = [
            "{", "}", "[", "]", ",", ":", "\"", "null", "-1", "1e999", "true", "\\u0000", "9999999999999999999",
        ].map { Array($0.utf8) }
        var random = SeededRandom(seed: 0xC0FFEE)
        var rejected = 0
        for iteration in 0..<Self.iterations {
            // CPU-bound: let the other tests (which wait on processes) have the cooperative pool.
            if iteration % 200 == 0 { await Task.yield() }
            var bytes = seeds[iteration % seeds.count]
            for _ in 0..<(1 + Int(random.next() % 3)) {
                let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
                switch random.next() % 4 {
                case 0 where !bytes.isEmpty: bytes[position] ^= UInt8(truncatingIfNeeded: random.next() | 1)
                case 1: bytes = Array(bytes.prefix(position))
                case 2: bytes.insert(contentsOf: tokens[Int(random.next() % UInt64(tokens.count))], at: position)
                default: if !bytes.isEmpty { bytes.remove(at: position) }
                }
            }
            var kept: Checkpoint?
            do {
                var warnings: [String] = []
                kept = try CheckpointCodec.decode(bytes, path: "fuzz.json", featureID: "F052", warnings: &warnings)
            } catch {
                rejected += 1
                #expect(error.path == "fuzz.json" && !error.reason.isEmpty)
                guard iteration % 4 == 0 else { continue }
                kept = CheckpointSalvage.recover(snapshot: bytes, journal: [], featureID: "F052", now: Date())?.checkpoint
            }
            // A quarter of the cases are salvaged and written again: enough, at a quarter of the time.
            if iteration % 4 == 0, let kept {
                var warnings: [String] = []
                let again = try? CheckpointCodec.decode(
                    CheckpointCodec.encode(kept), path: "again.json", featureID: "F052", warnings: &warnings)
                #expect(again != nil && warnings.isEmpty, "\(String(decoding: bytes, as: UTF8.self))")
            }
        }
        #expect(rejected > Self.iterations / 4)
    }
}
