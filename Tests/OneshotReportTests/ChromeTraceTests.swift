import Foundation
import OneshotCheckpoint
import Testing

@testable import OneshotReport

/// The Chrome trace against the timeline it is drawn from.
@Suite struct ChromeTraceTests {
    private func events(_ checkpoint: Checkpoint) throws -> (all: [[String: Any]], other: [String: Any]) {
        let picture = RunPicture(checkpoint: checkpoint, runInProgress: false)
        let json = ChromeTrace(picture: picture, logPath: { ".sdp/logs/F1/\($0).log" }).json
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let events = try #require(object["traceEvents"] as? [[String: Any]])
        return (events, try #require(object["otherData"] as? [String: Any]))
    }

    @Test func oneCompleteEventPerAttemptWithItsRecordedDurationAndArgs() throws {
        let checkpoint = Samples.checkpoint()
        let (all, _) = try events(checkpoint)
        let complete = all.filter { $0["ph"] as? String == "X" }
        let spans = try #require(checkpoint.timeline?.attempts)
        // The recorded attempts plus the one in flight (uncertain: no run holds the lock).
        #expect(complete.count == spans.count + 1)
        let origin = Samples.t0
        for span in spans {
            let matching = complete.filter {
                $0["name"] as? String == span.id && ($0["args"] as? [String: Any])?["attempt"] as? Int == span.attempt
            }
            let event = try #require(matching.first, "no event for \(span.id) #\(span.attempt)")
            #expect(matching.count == 1)
            #expect(event["dur"] as? Int == span.durationMS * 1000)
            #expect(event["ts"] as? Int == Int(span.startMS - origin) * 1000)
            let args = try #require(event["args"] as? [String: Any])
            #expect(args["outcome"] as? String == span.status)
            #expect(args["run"] as? Int == span.run)
            #expect(args["log"] as? String == ".sdp/logs/F1/\(span.id).log")
            #expect(args.keys.contains("exit_code") && args.keys.contains("cost_usd"))
            #expect((args["exit_code"] as? Int).map(Int32.init) == span.exitCode)
        }
        let inFlight = try #require(complete.first { $0["name"] as? String == "e" })
        #expect((inFlight["args"] as? [String: Any])?["outcome"] as? String == "uncertain")
    }

    @Test func slotsNeverHoldTwoAttemptsAtOnce() throws {
        let complete = try events(Samples.checkpoint()).all.filter { $0["ph"] as? String == "X" }
        let bySlot = Dictionary(grouping: complete) { $0["tid"] as? Int ?? -1 }
        #expect(bySlot.keys.sorted() == [1, 2], "two slots: the peak concurrency")
        for (_, events) in bySlot {
            let spans = events.map { ($0["ts"] as? Int ?? 0, ($0["ts"] as? Int ?? 0) + ($0["dur"] as? Int ?? 0)) }.sorted {
                $0.0 < $1.0
            }
            for (earlier, later) in zip(spans, spans.dropFirst()) { #expect(earlier.1 <= later.0) }
        }
    }

    @Test func retriesFailuresTheBreakerTheResumeAndTheDeadlineShow() throws {
        let (all, other) = try events(Samples.checkpoint())
        let complete = all.filter { $0["ph"] as? String == "X" }
        let outcomes = Set(complete.compactMap { ($0["args"] as? [String: Any])?["outcome"] as? String })
        #expect(outcomes.isSuperset(of: ["succeeded", "failed", "timed_out", "uncertain"]))
        #expect(complete.contains { ($0["args"] as? [String: Any])?["attempt"] as? Int == 3 })
        let instants = all.filter { $0["ph"] as? String == "i" }.compactMap { $0["name"] as? String }
        #expect(instants.contains("breaker open"))
        #expect(instants.contains("breaker closed"))
        #expect(instants.contains("resume: run 2 started"))
        #expect(instants.contains("deadline"))
        #expect(other["critical_path"] as? [String] == ["a", "c", "d"])
        let critical = complete.filter { ($0["cat"] as? String)?.contains("critical_path") == true }
        #expect(Set(critical.compactMap { $0["name"] as? String }) == ["a", "c", "d"])
        let names = all.filter { $0["ph"] as? String == "M" && $0["name"] as? String == "thread_name" }
        #expect(names.count == 3, "the events' track and two slots")
    }

    @Test func slotPackingIsLowestFreeSlotInStartOrder() {
        func bar(_ id: String, _ start: Int64, _ end: Int64) -> RunPicture.Bar {
            RunPicture.Bar(
                id: id, attempt: 1, run: 1, startMS: start, endMS: end, durationMS: Int(end - start), outcome: "succeeded",
                exitCode: 0, costUSD: nil, slot: 0, critical: false)
        }
        let packed = SlotPacking.pack([bar("c", 5, 8), bar("a", 0, 10), bar("b", 1, 5), bar("d", 10, 12)])
        #expect(packed.slots == 2)
        #expect(packed.bars.map(\.id) == ["a", "b", "c", "d"])
        #expect(packed.bars.map(\.slot) == [0, 1, 1, 0])
    }
}
