import Foundation
import OneshotDispatch
import OneshotSystem
import Synchronization
import Testing

@testable import OneshotCheckpoint

/// ``RecordTable`` and ``SpanLog``, which a fold's copy of the state shares with the run, against
/// plain models over seeded random operations: each copy keeps exactly what it saw, whatever
/// the run does after (changes, removals, spans across chunk boundaries), also while another
/// thread encodes it, as a background fold does. Each failure names its seed.
@Suite struct CheckpointSharingPropertyTests {
    private static func record(_ random: inout SeededRandom) -> WorkstreamRecord {
        var record = WorkstreamRecord()
        record.attempts = Int.random(in: 0...Int.max, using: &random)
        record.durationMS = Int.random(in: 0...1000, using: &random)
        record.lastExitCode = Bool.random(using: &random) ? Int32.random(in: .min ... .max, using: &random) : nil
        record.lastStatus = Bool.random(using: &random) ? "succeeded" : nil
        record.costUSD = Bool.random(using: &random) ? Double.random(in: 0...1e6, using: &random) : nil
        return record
    }

    /// What the table should write: the model's records, ids sorted.
    private static func reference(_ model: [String: WorkstreamRecord]) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        for id in model.keys.sorted() {
            writer.key(id)
            model[id]?.write(to: &writer)
        }
        writer.endObject()
        return writer.bytes
    }

    private static func written(_ table: RecordTable) -> [UInt8] {
        var writer = JSONWriter()
        table.write(to: &writer)
        return writer.bytes
    }

    private static func check(_ table: RecordTable, _ model: [String: WorkstreamRecord], _ context: String) {
        #expect(table.count == model.count, "\(context)")
        #expect(table.sortedIDs == model.keys.sorted(), "\(context)")
        #expect(table.dictionary == model, "\(context)")
        #expect(written(table) == reference(model), "\(context)")
        for (id, record) in model where table[id] != record { Issue.record("\(context): \(id) differs") }
    }

    @Test func theRecordTableIsADictionaryAndEachCopyKeepsWhatItSaw() {
        let seed = propertySeed()
        var random = SeededRandom(seed: seed)
        for round in 0..<40 {
            let ids = (0..<Int.random(in: 1...60, using: &random)).map { "w\($0)" }
            var model = Dictionary(uniqueKeysWithValues: ids.prefix(ids.count / 2).map { ($0, Self.record(&random)) })
            var table = RecordTable(model)
            var copies: [(table: RecordTable, model: [String: WorkstreamRecord])] = []
            for step in 0..<300 {
                let id = ids[Int.random(in: 0..<ids.count, using: &random)]
                switch Int.random(in: 0..<10, using: &random) {
                case 0:
                    table[id] = nil
                    model[id] = nil
                case 1:
                    copies.append((table, model))  // a fold takes the state
                case 2:
                    if !copies.isEmpty { copies.remove(at: Int.random(in: 0..<copies.count, using: &random)) }  // a fold ends
                case 3:
                    table.reserveCapacity(Int.random(in: 0...200, using: &random))
                case 4:
                    let record = Self.record(&random)
                    table[id] = record
                    model[id] = record
                case 5:
                    let more = Dictionary(
                        uniqueKeysWithValues: ids.shuffled(using: &random).prefix(3).map { ($0, Self.record(&random)) })
                    table.merge(more)
                    model.merge(more) { _, new in new }
                default:
                    let extra = Int.random(in: 1...5, using: &random)
                    table.update(id) { $0.durationMS += extra }
                    model[id, default: WorkstreamRecord()].durationMS += extra
                }
                let context = "seed \(seed), round \(round), step \(step)"
                if step % 7 == 0 { Self.check(table, model, context) }
                for copy in copies where step % 11 == 0 { Self.check(copy.table, copy.model, "\(context), a copy") }
            }
            Self.check(table, model, "seed \(seed), round \(round), end")
            for copy in copies { Self.check(copy.table, copy.model, "seed \(seed), round \(round), a copy at the end") }
        }
    }

    private static func span(_ index: Int) -> RunTimeline.Span {
        RunTimeline.Span(id: "w\(index)", attempt: 1, run: 1, startMS: Int64(index), durationMS: index, status: "succeeded")
    }

    private static func written(_ spans: SpanLog) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginArray()
        spans.write(to: &writer)
        writer.endArray()
        return writer.bytes
    }

    private static func written(_ spans: [RunTimeline.Span]) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginArray()
        for span in spans { span.write(to: &writer) }
        writer.endArray()
        return writer.bytes
    }

    @Test func aSpanLogCopyHoldsTheSpansBeforeItAcrossChunkBoundaries() {
        let seed = propertySeed()
        var random = SeededRandom(seed: seed)
        let size = SpanLog.chunkSize
        var log = SpanLog()
        var model: [RunTimeline.Span] = []
        var copies: [(log: SpanLog, count: Int)] = []
        // Copies taken on and around every boundary of the first three chunks, and in between.
        let marks = Set([0, 1, size - 1, size, size + 1, 2 * size - 1, 2 * size, 3 * size])
        for index in 0..<(3 * size + 5) {
            if marks.contains(index) || Int.random(in: 0..<500, using: &random) == 0 { copies.append((log, model.count)) }
            log.append(Self.span(index))
            model.append(Self.span(index))
        }
        #expect(log.all == model && log.count == model.count && log.last == model.last, "seed \(seed)")
        #expect(Self.written(log) == Self.written(model), "seed \(seed)")
        for (copy, count) in copies {
            #expect(copy.count == count && copy.all == Array(model.prefix(count)), "seed \(seed), copy at \(count)")
            #expect(Self.written(copy) == Self.written(Array(model.prefix(count))), "seed \(seed), copy at \(count)")
            for probe in [0, count / 2, count - 1] where probe >= 0 && count > 0 {
                #expect(copy[probe] == model[probe], "seed \(seed), copy at \(count), span \(probe)")
            }
        }
    }

    /// A copy encoded on another thread while this one goes on changing the original: what the
    /// background fold does with the state it copied under the lock.
    @Test func aCopyEncodedOnAnotherThreadWritesWhatItSawWhileTheRunGoesOn() {
        let seed = propertySeed()
        var random = SeededRandom(seed: seed)
        var table = RecordTable()
        var log = SpanLog()
        var model: [String: WorkstreamRecord] = [:]
        let results = Mutex<[(records: [UInt8], spans: [UInt8], expected: ([UInt8], [UInt8]))]>([])
        let done = DispatchSemaphore(value: 0)
        var started = 0
        for index in 0..<(2 * SpanLog.chunkSize + 100) {
            let id = "w\(Int.random(in: 0..<3000, using: &random))"
            let record = Self.record(&random)
            table.update(id) { $0 = record }
            model[id] = record
            log.append(Self.span(index))
            if index % 600 == 0 {
                let (copy, spans) = (table, log)
                let expected = (Self.reference(model), Self.written(Array((0...index).map(Self.span))))
                started += 1
                let thread = Thread {
                    let encoded = (Self.written(copy), Self.written(spans))
                    results.withLock { $0.append((encoded.0, encoded.1, expected)) }
                    done.signal()
                }
                thread.start()
            }
        }
        for _ in 0..<started { done.wait() }
        let all = results.withLock { $0 }
        #expect(all.count == started)
        for (index, result) in all.enumerated() {
            #expect(result.records == result.expected.0, "seed \(seed), copy \(index): records")
            #expect(result.spans == result.expected.1, "seed \(seed), copy \(index): spans")
        }
    }
}
