import Foundation
import Testing

/// What a user meets in the first hour at a terminal (#14, "Wrong today"): help topics,
/// `config`, configuration errors, plan and run agreeing, and the reports.
@Suite(.timeLimit(.minutes(2))) struct DailyUseTests {
    @Test func anUnknownHelpTopicIsAUsageError() async throws {
        let project = try TemporaryProject()
        let result = try await OneshotBinary.run(["help", "foo"], in: project.path)
        #expect(result.exitCode == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("oneshot: error: no help topic 'foo'; topics: run, status, plan, config"))
    }

    @Test func configJSONPrintsEachSettingWithItsSource() async throws {
        let project = try TemporaryProject()
        try project.write(".sdp/config.yml", "jobs: 4\nbreaker:\n  window: 10\n")
        let result = try await OneshotBinary.run(["config", "--json", "--retries", "2"], in: project.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let settings = try #require(object["settings"] as? [String: [String: String]])
        #expect(settings["jobs"] == ["value": "4", "source": ".sdp/config.yml:1"])
        #expect(settings["breaker_window"] == ["value": "10", "source": ".sdp/config.yml:3"])
        #expect(settings["retries"] == ["value": "2", "source": "--retries"])
        #expect(settings["grace"]?["source"] == "default")
    }

    @Test func everyConfigurationErrorIsReportedAtOnceNamingItsKey() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true")
        try project.write(".sdp/config.yml", "jobs: many\nenabled: false\nbreaker:\n  window: x\n  enabld: no\n")
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 2)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("oneshot: error: ") }
        #expect(
            errors == [
                "oneshot: error: .sdp/config.yml:1: jobs takes a whole number from 1 to 100000, not 'many'",
                "oneshot: error: .sdp/config.yml:2: unknown setting 'enabled'; 'enabled' is a breaker setting: write it indented under 'breaker:' (breaker:, then   enabled: …)",
                "oneshot: error: .sdp/config.yml:4: breaker.window takes a whole number from 1 to 1000000, not 'x'",
                "oneshot: error: .sdp/config.yml:5: unknown setting 'breaker.enabld'; 'breaker:' takes enabled, threshold, window, timeout, max_backoff, max_opens",
            ], "\(result.stderr)")
        #expect(project.read(".sdp/checkpoints/F1-checkpoint.json") == nil)
    }

    @Test func breakerFlagsAreValidatedAfterTheConfigurationIsMerged() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true")
        try project.write(".sdp/config.yml", "breaker:\n  window: 10\n")
        let valid = try await OneshotBinary.run(["F1", "--breaker-threshold", "8"], in: project.path)
        #expect(valid.exitCode == 0, "\(valid.stderr)")
        let invalid = try await OneshotBinary.run(["F1", "--breaker-threshold", "11"], in: project.path)
        #expect(invalid.exitCode == 2)
        #expect(
            invalid.stderr.hasPrefix(
                "oneshot: error: --breaker-threshold (11) cannot exceed breaker.window (10, .sdp/config.yml:2)"))
        let config = try await OneshotBinary.run(["config", "--breaker-threshold", "8"], in: project.path)
        #expect(config.exitCode == 0, "\(config.stderr)")
    }

    @Test func planAndDryRunRejectWhatTheRunRejects() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: nil)
        let message = "oneshot: error: features/F1/a.md:2: workstream a has no 'run:' command and no --exec template was given"
        for arguments in [["F1"], ["plan", "F1"], ["F1", "--dry-run"], ["plan", "F1", "--json"]] {
            let result = try await OneshotBinary.run(arguments, in: project.path)
            #expect(result.exitCode == 2, "\(arguments)")
            #expect(result.stderr.hasPrefix(message), "\(arguments): \(result.stderr)")
        }
        for arguments in [["plan", "F1", "--exec", "true"], ["F1", "--dry-run", "--exec", "true"]] {
            let result = try await OneshotBinary.run(arguments, in: project.path)
            #expect(result.exitCode == 0, "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: project.file(".sdp/checkpoints")), "neither writes anything")
    }

    @Test func aResumeNeedsNoCommandForWorkAlreadyDone() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: nil)
        try project.workstream("F1", "b", depends: ["a"], run: "test -f ok")
        let first = try await OneshotBinary.run(["F1", "--exec", "true"], in: project.path)
        #expect(first.exitCode == 1, "\(first.stderr)")
        try project.write("ok", "")
        let plan = try await OneshotBinary.run(["plan", "F1"], in: project.path)
        #expect(plan.exitCode == 0, "\(plan.stderr)")
        #expect(!plan.stdout.contains("pending 0"), "\(plan.stdout)")
        #expect(plan.stdout.contains("  retry 1: b\n"))
        let resumed = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(resumed.exitCode == 0, "\(resumed.stdout)\n\(resumed.stderr)")
    }

    @Test func theSummaryTableStaysAlignedWithSkippedWorkstreams() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "PAY-08", run: "exit 1")
        try project.workstream("F1", "PAY-09", depends: ["PAY-08"], run: "true")
        try project.workstream("F1", "PAY-10", run: "true")
        let result = try await OneshotBinary.run(["F1", "--no-breaker"], in: project.path)
        #expect(result.exitCode == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        let header = try #require(lines.firstIndex { $0.hasPrefix("WORKSTREAM") })
        let range = try #require(lines[header].range(of: "ATTEMPTS"))
        let column = lines[header].distance(from: lines[header].startIndex, to: range.lowerBound)
        for row in lines[(header + 1)...(header + 3)].map(Array.init) {
            #expect(row.count > column && row[column].isNumber && row[column - 1] == " ", "misaligned: \(String(row))")
        }
        #expect(lines.contains { $0.hasPrefix("PAY-09      skipped (by PAY-08)  0         -") }, "\(result.stdout)")
    }

    @Test func aTimedOutAttemptIsReportedWithItsLogAndLastLines() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "hang", run: "echo before-the-hang; sleep 30")
        let result = try await OneshotBinary.run(["F1", "--timeout", "1s"], in: project.path)
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("✗ hang failed (timed out) after"))
        #expect(result.stdout.contains("· log .sdp/logs/F1/hang.log"), "\(result.stdout)")
        #expect(result.stdout.contains("│ before-the-hang"), "\(result.stdout)")
        #expect(result.stdout.contains("│ timed out after 1.00s"), "\(result.stdout)")
    }
}
