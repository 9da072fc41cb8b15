import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// After a kill -9 of oneshot, `status` shows an attempt that still runs as running, with its
/// pid, rather than only "uncertain"; the next run adopts it.
@Suite(.timeLimit(.minutes(1))) struct StatusOfOrphansTests {
    @Test func aStillRunningOrphanIsShownWithItsPid() async throws {
        let project = try TemporaryProject()
        let gate = project.file("gate")
        #expect(mkfifo(gate, 0o600) == 0)
        // The attempt blocks reading the FIFO until the test writes a line to it; should the test
        // fail first, the line is written on the way out, so nothing is left waiting.
        defer { release(gate) }
        try project.workstream("F1", "waits", run: "echo start >> ledger; read line < gate; echo end >> ledger")
        try await project.runKilledOnceItsProcessIsRecorded { project.read("ledger") == "start\n" }
        let status = try await OneshotBinary.run(["status", "F1"], in: project.path)
        #expect(status.exitCode == 0)
        let row = try #require(status.stdout.split(separator: "\n").first { $0.hasPrefix("waits ") })
        #expect(row.contains("uncertain (running as pid "), "\(status.stdout)")
        #expect(row.contains(", adopted by the next run)"))
        let json = try await OneshotBinary.run(["status", "F1", "--json"], in: project.path)
        #expect(json.stdout.contains("\"orphan\":\"running as pid "), "\(json.stdout)")
        let resume = try OneshotBinary.start(["F1"], in: project.path)
        release(gate)
        let result = try await resume.finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(project.read("ledger") == "start\nend\n", "adopted, not run again")
    }

    private func release(_ fifo: String) {
        let fd = open(fifo, O_WRONLY | O_NONBLOCK)
        guard fd >= 0 else { return }  // no reader (already released): nothing to do
        _ = "go\n".withCString { write(fd, $0, 3) }
        close(fd)
    }
}
