import Foundation
import OneshotDispatch
import OneshotSystem
import OneshotWorkstreams
import Testing

@testable import OneshotCheckpoint

/// The pieces a journal line is made of, computed the quick way, against the plain way they
/// replace: the definition hash part by part, a time in milliseconds without parsing its text,
/// the texts of times once per millisecond, a record changed in place.
@Suite struct JournalHotPathTests {
    @Test func theDefinitionHashIsFNVOverTheJoinedDefinition() {
        let workstreams = [
            Workstream(id: "a"),
            Workstream(id: "b", dependencies: ["z", "a", "m"], command: "make b", outputs: ["out/b", "log"]),
            Workstream(id: "c", dependencies: ["a", "b"], command: "echo é\u{1}"),
        ]
        for workstream in workstreams {
            let text =
                workstream.dependencies.sorted().joined(separator: ",") + "\u{1}" + (workstream.command ?? "") + "\u{1}"
                + workstream.outputs.joined(separator: ",")
            #expect(DefinitionHash.of(workstream) == DefinitionHash.fnv1a(text))
            #expect(DefinitionHash.of(workstream).utf8.count == 16)
        }
        // FNV-1a of the empty text: the offset basis.
        #expect(DefinitionHash.fnv1a("") == "cbf29ce484222325")
    }

    @Test func aTimeInMillisecondsIsWhatItsTextReadsBackAs() {
        var random = SystemRandomNumberGenerator()
        let dates =
            [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -0.0005), Date(timeIntervalSince1970: 1.9995)]
            + (0..<500).map { _ in Date(timeIntervalSince1970: Double.random(in: -1e9...4e9, using: &random)) }
        for date in dates {
            #expect(EpochMilliseconds.ofFormatted(date) == EpochMilliseconds.parse(RFC3339.formatMilliseconds(date)))
        }
    }

    @Test func theJournalClockGivesTheTextsOfEachTime() {
        var clock = JournalClock()
        let start = Date(timeIntervalSince1970: 1_790_000_000.9985)
        for step in 0..<3000 {
            let now = start.addingTimeInterval(Double(step) * 0.0004)
            clock.advance(to: now)
            #expect(clock.milliseconds.text == RFC3339.formatMilliseconds(now))
            #expect(clock.milliseconds.ms == EpochMilliseconds.ofFormatted(now))
            #expect(clock.seconds.text == RFC3339.format(now))
        }
    }

    @Test func aRecordChangedInPlaceLeavesACopyAsItWas() {
        var table = RecordTable(["a": WorkstreamRecord()])
        let copy = table
        table.reserveCapacity(100)
        table.update("a") { $0.attempts += 1 }
        table.update("b") { $0.attempts = 5 }
        let shared = table
        table.update("a") { $0.attempts += 1 }
        #expect(copy["a"]?.attempts == 0 && copy["b"] == nil)
        #expect(shared["a"]?.attempts == 1 && shared["b"]?.attempts == 5)
        #expect(table["a"]?.attempts == 2 && table.sortedIDs == ["a", "b"])
    }
}

/// ``SpanLog``: the spans in chunks, as one array would hold them; a copy keeps what it saw.
@Suite struct SpanLogTests {
    private func span(_ index: Int) -> RunTimeline.Span {
        RunTimeline.Span(id: "w\(index)", attempt: 1, run: 1, startMS: Int64(index), durationMS: index, status: "succeeded")
    }

    @Test(arguments: [0, 1, SpanLog.chunkSize - 1, SpanLog.chunkSize, SpanLog.chunkSize * 2 + 3])
    func itHoldsAndWritesWhatAnArrayWould(count: Int) {
        let spans = (0..<count).map(span)
        var log = SpanLog(Array(spans.prefix(count / 2)))
        for span in spans.dropFirst(count / 2) { log.append(span) }
        #expect(log.count == count && log.all == spans && log.last == spans.last)
        if count > 0 { #expect(log[count - 1] == spans[count - 1] && log[count / 3] == spans[count / 3]) }
        for start in [0, count / 2, count] {
            var written = JSONWriter()
            written.beginArray()
            log.write(from: start, to: &written)
            written.endArray()
            var expected = JSONWriter()
            expected.beginArray()
            for span in spans[start...] { span.write(to: &expected) }
            expected.endArray()
            #expect(written.bytes == expected.bytes)
        }
    }

    @Test func aCopyKeepsWhatItSaw() {
        var log = SpanLog((0..<(SpanLog.chunkSize + 2)).map(span))
        let copy = log
        log.append(span(-1))
        #expect(copy.count == SpanLog.chunkSize + 2 && copy.last == span(SpanLog.chunkSize + 1))
        #expect(log.count == SpanLog.chunkSize + 3 && log.last == span(-1))
    }
}
