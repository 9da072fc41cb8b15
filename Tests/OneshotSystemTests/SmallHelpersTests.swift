import Foundation
import Testing

@testable import OneshotSystem

@Suite struct SmallHelpersTests {
    @Test func rfc3339FormatsUTCToTheSecondAndToTheMillisecond() throws {
        let date = Date(timeIntervalSince1970: 1_795_398_245.789_4)
        #expect(RFC3339.format(date) == "2026-11-23T01:44:05Z")
        #expect(RFC3339.formatMilliseconds(date) == "2026-11-23T01:44:05.789Z")
        #expect(RFC3339.formatMilliseconds(Date(timeIntervalSince1970: 59.999_9)) == "1970-01-01T00:00:59.999Z")
        #expect(RFC3339.formatMilliseconds(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
        #expect(RFC3339.formatMilliseconds(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 253_402_300_799)) == "9999-12-31T23:59:59Z")
    }

    @Test func rfc3339AgreesWithFoundationOverManyDates() throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        for step in 0..<5_000 {
            // Whole milliseconds, so that Foundation's rounding and our truncation agree.
            let date = Date(timeIntervalSince1970: Double(step * 123_456_789 + 250) / 1000)
            #expect(RFC3339.formatMilliseconds(date) == formatter.string(from: date))
            #expect(RFC3339.parse(RFC3339.formatMilliseconds(date)) == date)
        }
    }

    @Test func readSmallFileReadsWholeFilesAndStopsAtTheLimit() throws {
        let path = NSTemporaryDirectory() + "oneshot-small-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let content = (0..<20_000).map { UInt8($0 % 251) }
        try Data(content).write(to: URL(fileURLWithPath: path))
        #expect(Syscall.readSmallFile(path) == content)
        #expect(Syscall.readSmallFile(path, limit: 10_000) == Array(content.prefix(10_000)))
        #expect(Syscall.readSmallFile(path + ".missing") == nil)
        #expect(Syscall.readSmallFile("/proc/self/stat")?.isEmpty == false)
    }
}

@Suite struct ProcessIdentityTests {
    @Test func theClockReadAfterASpawnNamesTheChildAndNoLaterProcess() async throws {
        #if os(Linux)
            let child = try ChildProcess.spawn(
                executable: "/bin/sh", arguments: ["sh", "-c", "exec sleep 30"], environment: [:], outputFD: 2)
            let recorded = try #require(ProcessInspector.ticksSinceBoot())
            #expect(ProcessInspector.isRunning(child.pid, startedBy: recorded))
            // A process started well after the record (a recycled pid) or well before is not it.
            #expect(!ProcessInspector.isRunning(child.pid, startedBy: recorded + 100))
            #expect(!ProcessInspector.isRunning(child.pid, startedBy: recorded - 100))
            child.terminate(grace: .seconds(5))
            _ = await child.wait(terminationGrace: .seconds(5))
            #expect(!ProcessInspector.isRunning(child.pid, startedBy: recorded), "a reaped child is not running")
        #endif
    }
}
