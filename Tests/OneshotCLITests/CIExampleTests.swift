import Foundation
import Testing

/// `examples/ci/`: both files are valid against GitHub's and GitLab's own schemas (offline, with
/// `check-jsonschema`), say what a resumable CI job needs, and run oneshot with flags it accepts.
@Suite(.timeLimit(.minutes(2))) struct CIExampleTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples/ci")

    private func text(_ name: String) throws -> String {
        try String(contentsOf: Self.examples.appendingPathComponent(name), encoding: .utf8)
    }

    @Test(arguments: [
        ("github-actions.yml", "vendor.github-workflows"), ("gitlab-ci.yml", "vendor.gitlab-ci"),
    ])
    func theExampleIsValidAgainstItsCISchema(file: String, schema: String) async throws {
        if let reason = CheckJSONSchema.unavailableReason {
            print("CIExampleTests skipped: \(reason)")
            return
        }
        let result = try await CheckJSONSchema.validate(Self.examples.appendingPathComponent(file).path, schema: schema)
        #expect(result.code == 0, "\(file): \(result.output)")
    }

    @Test(arguments: [
        ("on: push\njobs:\n  a:\n    runs-on: 3\n    timeout-minutes: soon\n", "vendor.github-workflows"),
        ("job:\n  script: 3\n  cache:\n    when: sometimes\n", "vendor.gitlab-ci"),
    ])
    func theSchemaCheckRejectsABrokenFile(content: String, schema: String) async throws {
        if let reason = CheckJSONSchema.unavailableReason {
            print("CIExampleTests skipped: \(reason)")
            return
        }
        let project = try TemporaryProject()
        try project.write("broken.yml", content)
        let result = try await CheckJSONSchema.validate(project.file("broken.yml"), schema: schema)
        #expect(result.code != 0, "a broken file passed: \(result.output)")
    }

    @Test func theGitHubWorkflowExecsOneshotCachesAlwaysAndResumesOnStopCodes() throws {
        let workflow = try text("github-actions.yml")
        for needed in [
            "exec .build/release/oneshot F052", "uses: actions/cache/restore@", "uses: actions/cache/save@",
            "-${{ github.run_id }}-${{ github.run_attempt }}", "restore-keys:", "ONESHOT_DEADLINE:",
            "uses: actions/upload-artifact@", "7|130|143)", "continue-on-error: true",
        ] {
            #expect(workflow.contains(needed), "\(needed)")
        }
        #expect(!workflow.contains("uses: actions/cache@"), "the combined action never saves after a failure")
        // Restored and saved alike: oneshot's state (not .sdp/config.yml, which the checkout
        // holds) and the declared outputs.
        let cached = ["checkpoints", "history", "logs"].map { "            .sdp/\($0)/\n" }.joined() + "            build/\n"
        #expect(workflow.components(separatedBy: "path: |\n" + cached).count - 1 == 2)
        // Both steps after the run, saving and uploading, run after a failure or a cancellation.
        #expect(workflow.components(separatedBy: "if: always()").count - 1 >= 3)
        let jobLimit = try #require(minutes(after: "\n    timeout-minutes: ", in: workflow))
        let stepLimit = try #require(minutes(after: "\n        timeout-minutes: ", in: workflow))
        let deadline = try #require(minutes(after: "ONESHOT_DEADLINE: ", in: workflow))
        #expect(deadline < stepLimit && stepLimit < jobLimit)
    }

    @Test func theGitLabJobCachesAndUploadsAlwaysAndAllowsTheStopCodes() throws {
        let job = try text("gitlab-ci.yml")
        for needed in [
            "exec .build/release/oneshot F052", "when: always\n", "exit_codes: [7, 130, 143]",
            "      - .sdp/checkpoints/\n      - .sdp/history/\n      - .sdp/logs/\n      - build/\n",
            "ONESHOT_DEADLINE: 55m", "timeout: 1h", "- .sdp/logs/",
        ] {
            #expect(job.contains(needed), "\(needed)")
        }
        #expect(job.components(separatedBy: "when: always").count - 1 == 2, "cache and artifacts, both always")
    }

    @Test(arguments: ["github-actions.yml", "gitlab-ci.yml"])
    func theExampleRunsOneshotWithFlagsItAccepts(file: String) async throws {
        let line = try #require(try text(file).split(separator: "\n").first { $0.contains("exec .build/release/oneshot ") })
        let flags = line.components(separatedBy: "exec .build/release/oneshot F052").last?.split(separator: " ").map(String.init)
        let project = try TemporaryProject()
        let config = try await OneshotBinary.run(["config"] + (flags ?? []), in: project.path)
        #expect(config.exitCode == 0, "\(file): \(config.stderr)")
    }

    /// The minutes of the first `prefix<number>` (or `prefix<number>m`) in `text`.
    private func minutes(after prefix: String, in text: String) -> Int? {
        guard let range = text.range(of: prefix) else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }
}
