import Foundation
import Testing

/// `--json`: every line of real runs parses and validates against `Schemas/events.schema.json`.
@Suite(.timeLimit(.minutes(2))) struct JSONEventsTests {
    static let schemaPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Schemas/events.schema.json").path

    private func events(_ result: BinaryResult) throws -> [[String: Any]] {
        try result.stdout.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not a JSON object: \(line)")
        }
    }

    private func validate(_ objects: [[String: Any]]) throws {
        let validator = try JSONSchemaValidator(schemaAt: Self.schemaPath)
        for object in objects {
            let problems = validator.validate(object)
            #expect(problems.isEmpty, "\(object["event"] ?? "?"): \(problems)")
        }
    }

    @Test func aRunWithFailuresRetriesSkipsAndTheBreakerValidates() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo '{\"cost_usd\": 0.1}' > \"$ONESHOT_REPORT\"")
        try project.workstream("F1", "b", depends: ["a"], run: "exit 3", extra: "retries: 1\n")
        try project.workstream("F1", "c", depends: ["b"], run: "true")
        for index in 0..<3 { try project.workstream("F1", "f\(index)", run: "exit 1") }
        let result = try await OneshotBinary.run(
            [
                "F1", "--json", "-j", "1", "--breaker-timeout", "0.2s", "--breaker-max-backoff", "0.2s", "--breaker-max-opens",
                "10",
            ], in: project.path
        )
        #expect(result.exitCode == 1)
        let objects = try events(result)
        try validate(objects)
        let names = objects.compactMap { $0["event"] as? String }
        #expect(names.first == "run_started")
        #expect(names.last == "run_finished")
        for expected in ["ws_started", "ws_finished", "ws_skipped", "breaker", "checkpoint_saved"] {
            #expect(names.contains(expected), "no \(expected) event")
        }
        let finished = try #require(objects.last)
        #expect(finished["exit_code"] as? Int == 1)
        #expect(!result.stderr.isEmpty, "the lines for people go to stderr")
        #expect(!result.stdout.contains("▶"))
    }

    @Test func aResumedRunReportsItsPlan() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true")
        try project.workstream("F1", "b", depends: ["a"], run: "test -f go")
        let first = try await OneshotBinary.run(["F1", "--json"], in: project.path)
        try validate(try events(first))
        try project.write("go", "")
        let second = try await OneshotBinary.run(["F1", "--json"], in: project.path)
        #expect(second.exitCode == 0)
        let objects = try events(second)
        try validate(objects)
        let plan = try #require(objects.first { $0["event"] as? String == "resume_plan" })
        #expect(plan["preserved"] as? [String] == ["a"])
        #expect(plan["to_retry"] as? [String] == ["b"])
        #expect(objects.first { $0["event"] as? String == "run_started" }?["resumed"] as? Bool == true)
    }

    @Test func theValidatorRejectsWhatTheSchemaForbids() throws {
        let validator = try JSONSchemaValidator(schemaAt: Self.schemaPath)
        #expect(!validator.validate(["event": "ws_started", "ts": "2026-11-23T00:00:00.000Z", "ws_id": "a"]).isEmpty)
        #expect(!validator.validate(["event": "ws_started", "ts": "yesterday", "ws_id": "a", "attempt": 1]).isEmpty)
        #expect(!validator.validate(["event": "mystery", "ts": "2026-11-23T00:00:00.000Z"]).isEmpty)
        #expect(
            validator.validate(["event": "ws_started", "ts": "2026-11-23T00:00:00.000Z", "ws_id": "a", "attempt": 1]).isEmpty)
    }
}
