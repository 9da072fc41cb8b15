import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A workstream's log replaced by a FIFO once its attempt has begun: what oneshot reads back
/// from the log by path (the failure's tail, whether its output ended its last line) and what
/// it appends (an adopted attempt's footer) opens it without waiting and only as a regular file.
/// Before, each open blocked for good on a FIFO no one wrote to or read, and the run hung;
/// `timeout` bounds the old behaviour.
@Suite(.timeLimit(.minutes(2))) struct LogReplacedByFIFOTests {
    private let bounded = ["/usr/bin/timeout", "-s", "KILL", "30"]

    @Test func aFailingCommandThatPutsAFIFOInItsLogsPlaceEndsTheRun() async throws {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "a", run: "printf 'no newline'; rm .sdp/logs/F1/a.log && mkfifo .sdp/logs/F1/a.log; exit 3")
        try project.workstream("F1", "b", run: "echo b >> ledger")
        let result = try await OneshotBinary.start(["F1", "-j", "1"], in: project.path, launcher: bounded).finish()
        #expect(result.exited && result.exitCode == 1, "\(result.exitCode) \(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("a"), "\(result.stdout)")
        #expect(project.read("ledger") == "b\n")
        var info = stat()
        #expect(lstat(project.file(".sdp/logs/F1/a.log"), &info) == 0 && info.st_mode & S_IFMT == S_IFIFO, "left as it is")
    }

    /// An attempt adopted from a killed run, whose log became a FIFO meanwhile: when it ends, its
    /// footer is not appended (nor its log read for a line break), and the resume ends.
    @Test func anAdoptedAttemptWhoseLogIsAFIFOEndsTheResume() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo started; read _ < gate || :; echo done >> ledger")
        try project.gate("gate")
        try await project.runKilledOnceItsProcessIsRecorded {
            project.read(".sdp/logs/F1/a.log")?.contains("started") == true
        }
        let log = project.file(".sdp/logs/F1/a.log")
        try FileManager.default.removeItem(atPath: log)
        try #require(mkfifo(log, 0o644) == 0)
        let resume = try OneshotBinary.start(["F1", "--json"], in: project.path, launcher: bounded)
        #expect(await project.until { resume.stdout.contains("\"adopted\":[{\"attempt\":1,\"pid\":") })
        try project.openGate("gate")
        let result = try await resume.finish()
        #expect(result.exited && result.exitCode == 0, "\(result.exitCode) \(result.stdout)\n\(result.stderr)")
        #expect(project.read("ledger") == "done\n")
    }

    /// A failing command that leaves its log a huge sparse file: the failure's tail is read from
    /// its last 64 KiB only, and that run of zeros without a line break is shown cut, one short
    /// line. Before, the 65,536 zero bytes were printed as one line of the run's output.
    @Test func aLogMadeAHugeSparseFileGivesAShortTail() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo before; truncate -s 100G .sdp/logs/F1/a.log; exit 3")
        let result = try await OneshotBinary.start(["F1"], in: project.path, launcher: bounded).finish()
        #expect(result.exited && result.exitCode == 1, "\(result.exitCode) \(result.stderr)")
        #expect(result.stdout.utf8.count < 8_000, "\(result.stdout.utf8.count) bytes of output")
        #expect(result.stdout.contains(" more bytes)"), "\(result.stdout.prefix(2_000))")
    }
}
