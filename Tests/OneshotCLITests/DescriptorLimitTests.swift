import Foundation
import Testing

/// oneshot's own descriptors running out is not the workstreams' failure.
@Suite(.timeLimit(.minutes(2))) struct DescriptorLimitTests {
    /// Runs the binary under `ulimit -n limit` (soft and hard) in `project`.
    private func runUnderLimit(_ limit: Int, _ arguments: [String], in project: TemporaryProject) async throws -> BinaryResult {
        let quoted = ([OneshotBinary.url.path] + arguments).map { "'\($0)'" }.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -n \(limit) && exec \(quoted) >out 2>err"]
        process.currentDirectoryURL = URL(fileURLWithPath: project.path)
        let (ended, continuation) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = {
            continuation.yield($0.terminationStatus)
            continuation.finish()
        }
        try process.run()
        var status: Int32 = -1
        for await code in ended { status = code }
        return BinaryResult(exitCode: status, stdout: project.read("out") ?? "", stderr: project.read("err") ?? "")
    }

    @Test func aHundredJobsUnderSixtyFourDescriptorsAreCappedAndNothingFails() async throws {
        let project = try TemporaryProject()
        for index in 0..<100 { try project.workstream("F1", "w\(index)", run: "sleep 0.05") }
        let result = try await runUnderLimit(64, ["F1", "-j", "100"], in: project)
        #expect(result.exitCode == 0, "\(result.stderr)\(result.stdout.suffix(2000))")
        #expect(result.stdout.contains("-j 100 capped to "), "\(result.stdout.prefix(2000))")
        #expect(!result.stdout.contains("Too many open files") && !result.stderr.contains("Too many open files"))
        #expect(result.stdout.contains("succeeded: 100 succeeded"), "\(result.stdout.suffix(500))")
    }
}
