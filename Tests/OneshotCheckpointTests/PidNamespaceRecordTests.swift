import Foundation
import OneshotCheckpoint
import OneshotSystem
import Testing

/// The pid namespace an in-flight attempt's process ran in: written and read back, optional for
/// records written before it was recorded, and a record of another namespace never trusted.
@Suite(.timeLimit(.minutes(3))) struct PidNamespaceRecordTests {
    private let here = try? Syscall.inodeNumber("/proc/self/ns/pid")

    private func record(_ namespace: String) throws -> InFlightRecord {
        let text = """
            {"id": "a", "attempt": 1, "started_at": "2026-11-23T00:00:00Z", "pid": 4242, "process_start": 7,
             "boot_id": "\(Machine.bootID ?? "")", "host": "\(Machine.hostName)"\(namespace)}
            """
        return try JSONDecoder().decode(InFlightRecord.self, from: Data(text.utf8))
    }

    @Test func itIsWrittenAndReadBack() throws {
        var record = try record(", \"pid_namespace\": 4026531836")
        #expect(record.pidNamespace == 4_026_531_836)
        var writer = JSONWriter()
        record.write(to: &writer)
        #expect(String(decoding: writer.bytes, as: UTF8.self).contains("\"pid_namespace\":4026531836"))
        record.pidNamespace = nil
        var without = JSONWriter()
        record.write(to: &without)
        #expect(!String(decoding: without.bytes, as: UTF8.self).contains("pid_namespace"))
    }

    @Test func aRecordWithoutItStillLoadsAndIsJudgedByBootAndHost() throws {
        let old = try record("")
        #expect(old.pidNamespace == nil)
        #expect(OrphanReaper.isThisMachine(old) == (Machine.bootID != nil))
        #expect(OrphanReaper.elsewhere(old) == nil || Machine.bootID == nil)
    }

    @Test(.enabled(if: (try? Syscall.inodeNumber("/proc/self/ns/pid")) != nil, "Linux's /proc/self/ns/pid is needed"))
    func aRecordOfAnotherNamespaceIsElsewhere() throws {
        let namespace = try #require(here)
        #expect(Machine.pidNamespace == namespace)
        let same = try record(", \"pid_namespace\": \(namespace)")
        #expect(OrphanReaper.isThisMachine(same) == (Machine.bootID != nil))
        let other = try record(", \"pid_namespace\": \(namespace + 1)")
        #expect(!OrphanReaper.isThisMachine(other))
        #expect(OrphanReaper.liveProcess(of: other) == nil)
        #expect(OrphanReaper.elsewhere(other) == "in another pid namespace (pid:[\(namespace + 1)]: another container)")
    }
}
