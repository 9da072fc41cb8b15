import Foundation
import Testing

/// `oneshot list` and `oneshot list F`: every state a feature and a workstream can be in, for
/// people and as JSON valid against `Schemas/list.schema.json`.
@Suite(.timeLimit(.minutes(5))) struct ListCommandTests {
    static let schemaPath = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Schemas/list.schema.json").path

    private func object(_ result: BinaryResult) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        let validated = try #require(object, "not a JSON object: \(result.stdout)")
        let problems = try JSONSchemaValidator(schemaAt: Self.schemaPath).validate(validated)
        #expect(problems.isEmpty, "\(problems)")
        return validated
    }

    @Test func featuresInEveryStateTheyCanBeLeftIn() async throws {
        let project = try TemporaryProject()
        try project.workstream("Never", "a", run: "true")
        try project.workstream("Fresh", "a", run: "true")
        try project.workstream("Changed", "a", run: "true")
        try project.workstream("Broken", "a", run: "true")
        try project.workstream("Broken", "b", run: "exit 1")
        try project.workstream("Stopped", "a", run: "true")
        try project.workstream("Stopped", "b", depends: ["a"], run: "echo > b.started; sleep 30")
        for feature in ["Fresh", "Changed", "Broken"] { _ = try await OneshotBinary.run([feature], in: project.path) }
        // Stopped once b runs (a is done): a 1 s deadline instead was sometimes reached before a
        // had ended on a loaded machine.
        let stopping = try OneshotBinary.start(["Stopped", "--grace", "0.1s"], in: project.path)
        #expect(await project.until { project.read("b.started") == "\n" })
        kill(stopping.pid, SIGINT)
        let stopped = try await stopping.finish()
        #expect(stopped.exitCode == 130, "\(stopped.stderr)")
        try project.workstream("Changed", "a", run: "echo changed")

        let human = try await OneshotBinary.run(["list"], in: project.path)
        #expect(human.exitCode == 0, "\(human.stderr)")
        let lines = human.stdout.split(separator: "\n").map { String($0) }
        #expect(lines.first?.hasPrefix("FEATURE") == true)
        let expected = [
            "Broken": "failed (1/2 done, 1 failed or skipped)", "Changed": "out of date (1 workstream to run again)",
            "Fresh": "up to date", "Never": "never run", "Stopped": "interrupted (1/2 done)",
        ]
        for (feature, state) in expected {
            #expect(lines.contains { $0.hasPrefix(feature) && $0.contains(state) }, "\(feature): \(state)\n\(human.stdout)")
        }

        let json = try object(try await OneshotBinary.run(["list", "--json"], in: project.path))
        let features = try #require(json["features"] as? [[String: Any]])
        #expect(features.map { $0["feature_id"] as? String } == ["Broken", "Changed", "Fresh", "Never", "Stopped"])
        #expect(features.map { $0["state"] as? String } == ["failed", "out_of_date", "up_to_date", "never_run", "interrupted"])
        #expect(features[0]["done"] as? Int == 1 && features[0]["total"] as? Int == 2)
        #expect(features[2]["last_run"] is String)

        let ids = try await OneshotBinary.run(["list", "--ids"], in: project.path)
        #expect(ids.stdout == "Broken\nChanged\nFresh\nNever\nStopped\n")
    }

    @Test func aFeaturesWorkstreamsWithStateDependenciesAndTitle() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true", extra: "title: Model\n")
        try project.workstream("F1", "b", depends: ["a"], run: "exit 1", extra: "title: Parser\n")
        try project.workstream("F1", "c", depends: ["b"], run: "true")
        try project.workstream("F1", "d", run: "true")
        let never = try await OneshotBinary.run(["list", "F1"], in: project.path)
        #expect(never.stdout.hasPrefix("F1: never run\n"), "\(never.stdout)")
        #expect(never.stdout.contains("4 pending"))
        _ = try await OneshotBinary.run(["F1"], in: project.path)

        let human = try await OneshotBinary.run(["list", "F1"], in: project.path)
        #expect(human.exitCode == 0)
        let lines = human.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(lines.contains("a completed - Model"), "\(human.stdout)")
        #expect(lines.contains("b failed a Parser"), "\(human.stdout)")
        #expect(lines.contains("c skipped b (blocked by b)"), "\(human.stdout)")
        #expect(lines.last == "2 completed, 1 failed, 1 skipped")

        let json = try object(try await OneshotBinary.run(["list", "F1", "--json"], in: project.path))
        #expect(json["state"] as? String == "failed")
        let rows = try #require(json["workstreams"] as? [[String: Any]])
        #expect(rows.map { $0["id"] as? String } == ["a", "b", "c", "d"])
        #expect(rows[1]["depends_on"] as? [String] == ["a"])
        #expect(rows[1]["title"] as? String == "Parser")
        #expect(rows[2]["state"] as? String == "skipped")
        #expect(rows[1]["file"] as? String == "features/F1/b.md")

        let ids = try await OneshotBinary.run(["list", "F1", "--ids"], in: project.path)
        #expect(ids.stdout == "a\nb\nc\nd\n")
    }

    @Test func aChangedWorkstreamIsToRunWithItsReason() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true")
        try project.workstream("F1", "b", depends: ["a"], run: "true")
        _ = try await OneshotBinary.run(["F1"], in: project.path)
        try project.workstream("F1", "b", depends: ["a"], run: "echo new")
        let json = try object(try await OneshotBinary.run(["list", "F1", "--json"], in: project.path))
        let rows = try #require(json["workstreams"] as? [[String: Any]])
        #expect(rows.map { $0["state"] as? String } == ["completed", "to_run"])
        #expect(rows[1]["reason"] is String)
        #expect(json["to_run"] as? Int == 1)
    }

    @Test func badArgumentsAreUsageErrors() async throws {
        let project = try TemporaryProject()
        let missing = try await OneshotBinary.run(["list", "Nope"], in: project.path)
        #expect(missing.exitCode == 2)
        #expect(missing.stderr.contains("Nope"))
        let unknown = try await OneshotBinary.run(["list", "--bogus"], in: project.path)
        #expect(unknown.exitCode == 2)
        #expect(unknown.stderr.contains("unknown option '--bogus' for list"))
    }

    @Test func theValidatorRejectsWhatTheSchemaForbids() throws {
        let validator = try JSONSchemaValidator(schemaAt: Self.schemaPath)
        #expect(validator.validate(["features": [["feature_id": "F1", "state": "never_run"]]]).isEmpty)
        #expect(!validator.validate(["features": [["feature_id": "F1", "state": "sleeping"]]]).isEmpty)
        #expect(!validator.validate(["features": [["feature_id": "F1"]]]).isEmpty)
        #expect(
            !validator.validate(["feature_id": "F1", "state": "running", "workstreams": [["id": "a", "state": "pending"]]])
                .isEmpty)
    }
}
