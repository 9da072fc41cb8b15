import OneshotSystem
import Testing

@testable import OneshotCheckpoint

/// ``RecordTable``: a copy (a snapshot's) keeps what it saw while the original changes, and
/// the table writes what a dictionary of the same records writes.
@Suite struct RecordTableTests {
    private func record(_ attempts: Int) -> WorkstreamRecord {
        var record = WorkstreamRecord()
        record.attempts = attempts
        return record
    }

    @Test func aCopyKeepsWhatItSawWhileTheOriginalChanges() {
        var table = RecordTable(["a": record(1), "b": record(1)])
        let snapshot = table
        table.set(record(2), for: "a")
        table.set(record(1), for: "c")
        #expect(snapshot["a"]?.attempts == 1 && snapshot["c"] == nil && snapshot.count == 2)
        #expect(table["a"]?.attempts == 2 && table["c"]?.attempts == 1 && table.count == 3)
        #expect(table.sortedIDs == ["a", "b", "c"])
        #expect(table.dictionary == ["a": record(2), "b": record(1), "c": record(1)])
        table["b"] = nil
        #expect(table.sortedIDs == ["a", "c"] && snapshot.sortedIDs == ["a", "b"])
    }

    @Test func itWritesWhatTheCheckpointWritesOfTheSameRecords() {
        var table = RecordTable(["w2": record(1), "w10": record(3)])
        let snapshot = table
        table.set(record(4), for: "w1")
        table.set(record(5), for: "w2")
        var written = JSONWriter()
        table.write(to: &written)
        var expected = JSONWriter()
        expected.beginObject()
        expected.field("workstreams", sorted: table.dictionary) { $1.write(to: &$0) }
        expected.endObject()
        let text = String(decoding: written.bytes, as: UTF8.self)
        #expect(String(decoding: expected.bytes, as: UTF8.self) == "{\"workstreams\":\(text)}")
        _ = snapshot
    }

    @Test func removingARecordKeepsEveryOtherAtItsID() {
        var table = RecordTable()
        var expected: [String: WorkstreamRecord] = [:]
        for index in 0..<50 {
            table.set(record(index), for: "w\(index)")
            expected["w\(index)"] = record(index)
        }
        for index in [0, 49, 17, 18, 3] {
            table["w\(index)"] = nil
            expected["w\(index)"] = nil
        }
        table.update("w20") { $0.attempts += 100 }
        expected["w20"]?.attempts += 100
        table.update("new") { $0.durationMS = 7 }
        var fresh = WorkstreamRecord()
        fresh.durationMS = 7
        expected["new"] = fresh
        #expect(table.dictionary == expected && table.count == expected.count)
        #expect(table.sortedIDs == expected.keys.sorted())
        for (id, record) in expected { #expect(table[id] == record) }
        var written = JSONWriter()
        table.write(to: &written)
        var reference = JSONWriter()
        reference.beginObject()
        for id in expected.keys.sorted() {
            reference.key(id)
            expected[id]?.write(to: &reference)
        }
        reference.endObject()
        #expect(written.bytes == reference.bytes)
    }
}
