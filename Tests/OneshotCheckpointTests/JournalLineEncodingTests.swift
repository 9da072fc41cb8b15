import Foundation
import OneshotDispatch
import OneshotGraph
import Testing

@testable import OneshotCheckpoint

/// The journal's hand-written encoder against `JSONEncoder`, which it replaces for speed.
@Suite struct JournalLineEncodingTests {
    private static let awkward = [
        "n1", "00-052-01", "quote\"d", "back\\slash", "new\nline", "tab\tand\r", "bell\u{07}\u{1F}", "slash/ok",
        "naïve ✓ 日本", "emoji 🧪", "",
    ]

    private func randomLine(_ random: inout SeededRandom) -> JournalLine {
        func text() -> String { Self.awkward[Int.random(in: 0..<Self.awkward.count, using: &random)] }
        func maybe<T>(_ value: @autoclosure () -> T) -> T? { Bool.random(using: &random) ? value() : nil }
        var line = JournalLine(seq: Int.random(in: 1...1_000_000, using: &random), at: text())
        line.started = maybe(
            InFlightRecord(
                id: text(), attempt: Int.random(in: 1...9, using: &random), startedAt: text(),
                pid: maybe(Int32.random(in: 1...Int32.max, using: &random)),
                processStart: maybe(UInt64.random(in: 0...UInt64.max, using: &random)),
                run: maybe(Int.random(in: 1...99, using: &random)), bootID: maybe(text()), host: maybe(text())))
        line.finished = maybe(
            (0..<Int.random(in: 0...3, using: &random)).map { _ in
                FinishedAttempt(
                    id: text(), attempt: Int.random(in: 1...9, using: &random), run: 1, status: text(),
                    final: Bool.random(using: &random), durationMS: Int.random(in: 0...Int.max, using: &random),
                    exitCode: maybe(Int32.random(in: Int32.min...Int32.max, using: &random)),
                    costUSD: maybe(cost(&random)), definition: maybe(text()), verified: maybe(Bool.random(using: &random)))
            })
        line.skipped = maybe(Dictionary((0..<3).map { _ in (text(), text()) }, uniquingKeysWith: { first, _ in first }))
        line.breaker = maybe(
            BreakerSnapshot(
                state: Int.random(in: 0...2, using: &random), failureCount: Int.random(in: 0...9, using: &random),
                successCount: Int.random(in: 0...9, using: &random), consecutiveOpens: Int.random(in: 0...9, using: &random),
                lastFailureTime: maybe(text()), window: maybe([1, 0, 1]), openUntil: maybe(text()),
                lastStateChange: maybe(text()),
                windowIDs: maybe([text(), text(), text()])
            ))
        return line
    }

    @Test func writesWhatJSONEncoderWritesWithSortedKeys() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var random = SeededRandom(seed: 7)
        for _ in 0..<2_000 {
            let line = randomLine(&random)
            let expected = try Array(encoder.encode(line)) + [0x0A]
            #expect(String(decoding: line.encoded, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
        }
    }

    @Test func readsBackAsTheSameLineWithCostsAndAwkwardText() throws {
        var random = SeededRandom(seed: 8)
        let decoder = JSONDecoder()
        for _ in 0..<2_000 {
            let line = randomLine(&random)
            let bytes = line.encoded
            #expect(bytes.last == 0x0A)
            #expect(!bytes.dropLast().contains(0x0A), "one line, however the text is made")
            #expect(try decoder.decode(JournalLine.self, from: Data(bytes.dropLast())) == line)
        }
    }

    @Test func costsKeepTheirExactValue() throws {
        for cost in [0, 0.1, 0.42, 1e-7, 123_456.789, Double.leastNonzeroMagnitude, 1e300] {
            var line = JournalLine(seq: 1, at: "t")
            line.finished = [
                FinishedAttempt(
                    id: "a", attempt: 1, run: 1, status: "succeeded", final: true, durationMS: 1, exitCode: 0, costUSD: cost,
                    definition: nil)
            ]
            let decoded = try JSONDecoder().decode(JournalLine.self, from: Data(line.encoded))
            #expect(decoded.finished?.first?.costUSD == cost)
        }
    }
}

/// The snapshot's hand-written encoder against `JSONEncoder`, which it replaces.
@Suite struct CheckpointEncodingTests {
    private static let texts = ["a", "00-052-01", "quote\"d", "new\nline", "naïve ✓", "slash/ok", "", "b\\c"]

    private func randomCheckpoint(_ random: inout SeededRandom) -> Checkpoint {
        func text() -> String { Self.texts[Int.random(in: 0..<Self.texts.count, using: &random)] }
        func texts() -> [String] { (0..<Int.random(in: 0...3, using: &random)).map { _ in text() } }
        func maybe<T>(_ value: @autoclosure () -> T) -> T? { Bool.random(using: &random) ? value() : nil }
        func number() -> Int { Int.random(in: 0...1_000_000, using: &random) }
        var checkpoint = Checkpoint(featureID: text(), timestamp: text())
        checkpoint.completed = texts()
        checkpoint.failed = texts()
        checkpoint.graph = maybe(
            GraphSnapshot(
                nodes: (0..<3).map { _ in
                    NodeSnapshot(id: text(), dependsOn: texts(), indegree: number(), completed: Bool.random(using: &random))
                },
                edges: Dictionary((0..<3).map { _ in (text(), texts()) }, uniquingKeysWith: { first, _ in first })))
        checkpoint.circuitBreaker = maybe(
            BreakerSnapshot(
                state: 1, failureCount: number(), successCount: number(), consecutiveOpens: 2, lastFailureTime: maybe(text()),
                window: maybe([0, 1]), openUntil: maybe(text()), lastStateChange: maybe(text()),
                windowIDs: maybe([text(), text()])))
        checkpoint.inFlight = maybe(
            [
                InFlightRecord(
                    id: text(), attempt: 1, startedAt: text(), pid: maybe(42), processStart: maybe(7), run: maybe(2),
                    bootID: maybe(text()), host: maybe(text()))
            ])
        checkpoint.interrupted = maybe(texts())
        checkpoint.skipped = maybe(Dictionary((0..<3).map { _ in (text(), text()) }, uniquingKeysWith: { first, _ in first }))
        checkpoint.workstreams = maybe(
            Dictionary(
                (0..<3).map { _ in
                    var record = WorkstreamRecord()
                    record.attempts = number()
                    record.durationMS = number()
                    record.lastSuccessMS = maybe(number())
                    record.lastStatus = maybe(text())
                    record.lastExitCode = maybe(Int32(number() % 256))
                    record.costUSD = maybe(cost(&random))
                    record.completedAt = maybe(text())
                    record.definition = maybe(text())
                    record.lastRun = maybe(number())
                    record.lastAttempt = maybe(number())
                    return (text(), record)
                }, uniquingKeysWith: { first, _ in first }))
        checkpoint.runs = maybe(number())
        checkpoint.elapsedMS = maybe(number())
        checkpoint.costUSD = maybe(cost(&random))
        checkpoint.fingerprint = maybe(text())
        checkpoint.lastStateChange = maybe(text())
        checkpoint.journalSeq = maybe(number())
        checkpoint.timeline = maybe(
            RunTimeline(
                runs: [RunTimeline.Run(run: 1, startMS: Int64(number()), endMS: maybe(Int64(number())), deadlineMS: maybe(5))],
                attempts: [
                    RunTimeline.Span(
                        id: text(), attempt: 2, run: 1, startMS: Int64(number()), durationMS: number(), status: text(),
                        exitCode: maybe(Int32(number() % 256)),
                        costUSD: maybe(cost(&random)))
                ],
                breaker: [RunTimeline.BreakerChange(atMS: Int64(number()), state: 1, untilMS: maybe(Int64(number())))]))
        checkpoint.settings = maybe(
            RecordedSettings(
                values: Dictionary((0..<Int(number() % 4)).map { _ in (text(), maybe(text())) }, uniquingKeysWith: { a, _ in a }))
        )
        return checkpoint
    }

    @Test func writesWhatJSONEncoderWritesWithSortedKeys() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var random = SeededRandom(seed: 9)
        for _ in 0..<1_000 {
            let checkpoint = randomCheckpoint(&random)
            #expect(
                String(decoding: checkpoint.encoded, as: UTF8.self)
                    == String(decoding: try encoder.encode(checkpoint), as: UTF8.self))
        }
    }

    @Test func readsBackAsTheSameCheckpointWithCosts() throws {
        var random = SeededRandom(seed: 10)
        for _ in 0..<1_000 {
            let checkpoint = randomCheckpoint(&random)
            #expect(try JSONDecoder().decode(Checkpoint.self, from: Data(checkpoint.encoded)) == checkpoint)
        }
    }
}

@Suite struct SnapshotStreamingTests {
    @Test func theStoreWritesTheSameBytesAsEncodingTheWholeCheckpoint() throws {
        let graph = try WorkstreamGraph([
            ws("b", ["a"]), ws("a"), ws("c", ["a", "b"]), ws("d"), ws("z \"q\"", ["d"]), ws("e", ["c", "z \"q\""]),
        ])
        var restored = Checkpoint(featureID: "F1", timestamp: "2026-11-23T00:00:00Z")
        restored.completed = ["a"]
        var state = CheckpointState(restoring: restored)
        var seq = 0
        for (id, status) in [("b", "succeeded"), ("d", "failed"), ("z \"q\"", "succeeded")] {
            seq += 1
            var line = JournalLine(seq: seq, at: "2026-11-23T00:00:0\(seq).000Z")
            line.finished = [
                FinishedAttempt(
                    id: id, attempt: 1, run: 1, status: status, final: true, durationMS: 10 * seq,
                    exitCode: status == "failed" ? 1 : 0,
                    costUSD: nil, definition: "h\(seq)")
            ]
            state.apply(line)
            let now = Date(timeIntervalSince1970: 1_795_400_000 + Double(seq))
            let whole = CheckpointCodec.encode(
                state.checkpoint(featureID: "F1", graph: graph, fingerprint: "fp", journalSeq: seq, now: now))
            let streamed = state.encodedCheckpoint(featureID: "F1", graph: graph, fingerprint: "fp", journalSeq: seq, now: now)
            #expect(String(decoding: streamed, as: UTF8.self) == String(decoding: whole, as: UTF8.self))
        }
    }
}

/// A cost as runs report them: whole numbers (`0`, `3`: `JSONEncoder` writes no `.0`), tiny and
/// huge ones, and arbitrary fractions.
private func cost(_ random: inout SeededRandom) -> Double {
    let special: [Double] = [0, 3, 100, 1e-7, 1e16, 1e21, 0.1]
    return Bool.random(using: &random)
        ? special[Int.random(in: 0..<special.count, using: &random)] : Double.random(in: 0...1e6, using: &random)
}
