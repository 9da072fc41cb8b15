import Foundation
import OneshotCheckpoint
import Testing

/// One broken workstream through the binary: with `--retries 2`, and again across a resume, it
/// counts once in the breaker's window and never trips it. `--breaker-max-opens 1` turns a trip
/// into an immediate exit 4 instead of a 60 s wait, so a wrong trip fails fast.
@Suite(.timeLimit(.minutes(2))) struct BrokenWorkstreamEndToEndTests {
    /// x0…x3 each block reading a FIFO that `broken` writes to only in its third attempt, so
    /// `broken`'s three failures come in a row and y0…y3 (one after each x) become ready right
    /// after them: the old window tripped there (3 of last 3 failed) and held them.
    @Test func oneBrokenWorkstreamWithRetriesNeverTripsAndTheOthersRun() async throws {
        let project = try TemporaryProject()
        for index in 0..<4 {
            #expect(mkfifo(project.file("fifo\(index)"), 0o600) == 0)
            try project.workstream("F1", "x\(index)", run: "read line < fifo\(index)")
            try project.workstream("F1", "y\(index)", depends: ["x\(index)"], run: "echo ok")
        }
        try project.workstream(
            "F1", "broken",
            run:
                "if [ \"$ONESHOT_ATTEMPT\" = 3 ]; then for i in 0 1 2 3; do echo go > fifo$i; done; fi; echo 'service says no' >&2; exit 1"
        )
        let result = try await OneshotBinary.run(
            ["F1", "--retries", "2", "-j", "5", "--breaker-max-opens", "1"], in: project.path)
        #expect(result.exitCode == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(!result.stdout.contains("breaker"), "\(result.stdout)")
        #expect(result.stdout.contains("8 succeeded, 1 failed"), "\(result.stdout)")
        let log = project.read(".sdp/logs/F1/broken.log") ?? ""
        #expect(log.split(separator: "\n").filter { $0 == "service says no" }.count == 3, "three attempts: \(log)")
    }

    /// The window is saved with its workstreams: the broken one failing again in the next run is
    /// the same workstream, not a second failure (the old, id-less window tripped here).
    @Test func aResumeKeepsTheWindowsWorkstreams() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "broken", run: "exit 1")
        try project.workstream("F1", "fine", run: "echo ok")
        let flags = ["F1", "-j", "1", "--breaker-threshold", "2", "--breaker-max-opens", "1"]
        let first = try await OneshotBinary.run(flags, in: project.path)
        #expect(first.exitCode == 1, "\(first.stdout)\n\(first.stderr)")
        let data = try #require(FileManager.default.contents(atPath: project.file(".sdp/checkpoints/F1-checkpoint.json")))
        let saved = try #require(try CheckpointCodec.decode(Array(data), path: "c", featureID: "F1").circuitBreaker)
        #expect(saved.windowIDs.map(Set.init) == ["broken", "fine"])
        #expect(saved.failureCount == 1)

        let second = try await OneshotBinary.run(flags, in: project.path)
        #expect(second.exitCode == 1, "\(second.stdout)\n\(second.stderr)")
        #expect(!second.stdout.contains("breaker"), "\(second.stdout)")
        #expect(second.stdout.contains("1 failed"), "\(second.stdout)")
    }
}
