import Foundation
import Testing

@testable import OneshotSystem

/// The start time read from a `/proc/<pid>/stat` text byte by byte is the one a split into
/// fields gives, for every process on the machine and for texts made to mislead.
@Suite(.timeLimit(.minutes(3))) struct ProcessInspectorStatTests {
    @Test func itReadsWhatASplitIntoFieldsReadsForEveryProcess() throws {
        let pids = try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { Int32($0) }
        #expect(pids.count > 1, "no /proc to read")
        var compared = 0
        for pid in pids {
            // Read once, then parsed both ways: the process may end meanwhile.
            guard let bytes = Syscall.readSmallFile("/proc/\(pid)/stat") else { continue }
            #expect(ProcessInspector.startTime(inStat: bytes) == Self.bySplitting(bytes), "pid \(pid)")
            compared += 1
        }
        #expect(compared > 1)
        #expect(ProcessInspector.startTime(of: getpid()) != nil)
    }

    @Test(arguments: [
        "42 (sh) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 123456 2000 100 18446744073709551615\n",
        "42 (a) b (c) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 777 2000 100\n",
        "42 ()) R 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 9 2000\n",
        "42 (z) Z 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 9 0 0\n",
        "42 (x) X 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 9 0 0\n",
        "42 (short) S 1 42 42\n", "no parenthesis S 1 2 3", "42 (n) S 1 42 42 0 -1 1 1 0 0 0 0 0 0 0 20 0 1 0 12a 1\n",
        "42 (big) S 1 42 42 0 -1 1 1 0 0 0 0 0 0 0 20 0 1 0 99999999999999999999999 1\n",
        "42 (two  spaces) S  1 42 42 0 -1 1 1 0 0 0 0 0 0 0 20 0 1 0 31 1\n",
    ])
    func itReadsWhatASplitReadsFromTextsMadeToMislead(_ text: String) {
        let bytes = Array(text.utf8)
        #expect(ProcessInspector.startTime(inStat: bytes) == Self.bySplitting(bytes))
    }

    /// How the start time was read before: the text after the last `)` split at spaces.
    private static func bySplitting(_ bytes: [UInt8]) -> UInt64? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard let state = fields.first, state != "Z" && state != "X", fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }
}
