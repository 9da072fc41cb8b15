import Foundation
import OneshotCheckpoint
import Testing

/// The breaker through the binary: a command that fails while a marker file exists.
@Suite(.timeLimit(.minutes(2))) struct BreakerEndToEndTests {
    private func markerFeature(_ project: TemporaryProject, count: Int = 6) throws {
        for index in 0..<count {
            try project.workstream("F1", "w\(index)", run: "if [ -f marker ]; then echo 'API down' >&2; exit 1; fi; echo ok")
        }
    }

    private let fastBreaker = ["--breaker-timeout", "0.3s", "--breaker-max-backoff", "1s", "-j", "1"]

    @Test func itTripsProbesAndFinishesOnceTheMarkerIsGone() async throws {
        let project = try TemporaryProject()
        for index in 0..<6 {
            // The first three attempts fail (a flaky API), everything after succeeds.
            try project.workstream(
                "F1", "w\(index)",
                run: "n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > count; [ $n -gt 3 ]"
            )
        }
        let result = try await OneshotBinary.run(["F1"] + fastBreaker, in: project.path)
        #expect(result.exitCode == 1, "the three failures stay failed; \(result.stdout)")
        #expect(result.stdout.contains("⚡ breaker open: 3 of last 3 workstreams failed (w0, w1, w2); next probe at"))
        #expect(result.stdout.contains("⏸ breaker open: ready workstreams wait; next probe at"))
        #expect(result.stdout.contains("⚡ breaker closed: probe w3 succeeded"))
        #expect(result.stdout.contains("3 succeeded, 3 failed"))
    }

    @Test func withTheMarkerKeptItGivesUpAndALaterRunResumesWithTheBreakerRestored() async throws {
        let project = try TemporaryProject()
        try markerFeature(project)
        try project.write("marker", "")
        let gaveUp = try await OneshotBinary.run(["F1", "--breaker-max-opens", "2"] + fastBreaker, in: project.path)
        #expect(gaveUp.exitCode == 4, "\(gaveUp.stdout)\n\(gaveUp.stderr)")
        #expect(gaveUp.stdout.contains("giving up"))
        #expect(
            gaveUp.stderr.contains(
                "oneshot: error: circuit breaker gave up after 2 trips in a row; run the same command again from"))
        let data = try #require(FileManager.default.contents(atPath: project.file(".sdp/checkpoints/F1-checkpoint.json")))
        let saved = try CheckpointCodec.decode(Array(data), path: "c", featureID: "F1")
        #expect(saved.circuitBreaker?.state == 1)
        #expect(saved.circuitBreaker?.consecutiveOpens == 2)
        #expect(saved.failed.count == 4, "3 to trip and 1 failed probe")

        // However slow the machine, the breaker must still be open for the --no-wait run: push its
        // end a minute out (a resume clamps it to --breaker-max-backoff anyway).
        let path = project.file(".sdp/checkpoints/F1-checkpoint.json")
        var object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any])
        var breaker = try #require(object["circuit_breaker"] as? [String: Any])
        breaker["open_until"] = ISO8601DateFormatter().string(from: Date().addingTimeInterval(60))
        object["circuit_breaker"] = breaker
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        let noWait = try await OneshotBinary.run(["F1", "--no-wait", "--breaker-max-opens", "2"] + fastBreaker, in: project.path)
        #expect(noWait.exitCode == 4)
        #expect(noWait.stdout.contains("circuit breaker restored open (2 trips in a row): it probes at"))
        #expect(noWait.stderr.contains("circuit breaker is open until"))

        try FileManager.default.removeItem(atPath: project.file("marker"))
        let resumed = try await OneshotBinary.run(["F1", "--breaker-max-opens", "2"] + fastBreaker, in: project.path)
        #expect(resumed.exitCode == 0, "\(resumed.stdout)\n\(resumed.stderr)")
        #expect(resumed.stdout.contains("⚡ breaker closed: probe"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: project.file(".sdp/checkpoints")) == ["F1.lock"])
    }

    @Test func noBreakerRunsEverythingAndBadSettingsAreUsageErrors() async throws {
        let project = try TemporaryProject()
        try markerFeature(project)
        try project.write("marker", "")
        let result = try await OneshotBinary.run(["F1", "--no-breaker", "-j", "1"], in: project.path)
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("6 failed"))
        #expect(!result.stdout.contains("breaker"))
        let bad = try await OneshotBinary.run(["F1", "--breaker-threshold", "9", "--breaker-window", "5"], in: project.path)
        #expect(bad.exitCode == 2)
        #expect(bad.stderr.hasPrefix("oneshot: error: --breaker-threshold (9) cannot exceed --breaker-window (5)"))
    }
}
