import Foundation
import Testing

/// `plan --json` and `status --json` in every form they take, valid against
/// `Schemas/plan.schema.json` and `Schemas/status.schema.json`, in the events' vocabulary
/// (`feature_id`, the breaker's `closed`/`open`/`half_open`).
@Suite(.timeLimit(.minutes(5))) struct PlanAndStatusSchemaTests {
    private static func schema(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Schemas/\(name)").path
    }

    /// The output parsed and checked against `schema`.
    private func validated(_ result: BinaryResult, _ schema: String) throws -> [String: Any] {
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
            "not a JSON object: \(result.stdout) \(result.stderr)")
        let problems = try JSONSchemaValidator(schemaAt: Self.schema(schema)).validate(object)
        #expect(problems.isEmpty, "\(schema): \(problems)")
        return object
    }

    @Test func planInEveryFormIsValid() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true", extra: "title: First\nverify: test -f a.ok\n")
        try project.workstream("F1", "b", depends: ["a"], run: "exit 1")
        try project.workstream("F1", "c", depends: ["a"], run: "true")
        // Fresh: no checkpoint, no history.
        var plan = try validated(try await OneshotBinary.run(["plan", "F1", "--json"], in: project.path), "plan.schema.json")
        #expect(plan["feature_id"] as? String == "F1")
        let first = try #require((plan["workstreams"] as? [[String: Any]])?.first { $0["id"] as? String == "a" })
        #expect(first["title"] as? String == "First")
        #expect(first["file"] as? String == "features/F1/a.md")
        #expect(first["verify"] as? String == "test -f a.ok")
        // With a checkpoint (b failed), and with targets.
        #expect(try await OneshotBinary.run(["F1"], in: project.path).exitCode == 1)
        plan = try validated(try await OneshotBinary.run(["plan", "F1", "--json"], in: project.path), "plan.schema.json")
        #expect(plan["resume"] is [String: Any])
        plan = try validated(try await OneshotBinary.run(["plan", "F1", "c", "--json"], in: project.path), "plan.schema.json")
        #expect(plan["selection"] is [String: Any])
        // With a history only.
        try project.workstream("F1", "b", depends: ["a"], run: "true")
        #expect(try await OneshotBinary.run(["F1"], in: project.path).exitCode == 0)
        plan = try validated(try await OneshotBinary.run(["plan", "F1", "--json"], in: project.path), "plan.schema.json")
        #expect(plan["history"] is [String: Any])
    }

    @Test func statusOfACheckpointAndOfAHistoryIsValid() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true")
        try project.workstream("F1", "b", depends: ["a"], run: "exit 1")
        try project.workstream("F1", "c", depends: ["b"], run: "true")
        #expect(try await OneshotBinary.run(["F1"], in: project.path).exitCode == 1)
        var status = try validated(
            try await OneshotBinary.run(["status", "F1", "--json"], in: project.path), "status.schema.json")
        let breaker = try #require(status["circuit_breaker"] as? [String: Any])
        #expect(breaker["state"] as? String == "closed")
        let skipped = (status["workstreams"] as? [[String: Any]])?.first { $0["id"] as? String == "c" }
        #expect(skipped?["blocked_by"] as? String == "b")
        try project.workstream("F1", "b", depends: ["a"], run: "true")
        #expect(try await OneshotBinary.run(["F1"], in: project.path).exitCode == 0)
        status = try validated(try await OneshotBinary.run(["status", "F1", "--json"], in: project.path), "status.schema.json")
        #expect(status["last_run"] is [String: Any])
        #expect(status["up_to_date"] as? Bool == true)
    }
}
