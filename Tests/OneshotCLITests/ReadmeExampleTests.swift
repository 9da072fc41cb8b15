import Foundation
import Oneshot
import Synchronization
import Testing

/// Stands in for a real coding agent in the README's example.
enum MyAgent {
    static let built = Log()

    static func build(_ id: String, spec: String, attempt: Int) async -> Bool {
        built.append(id)
        return true
    }

    final class Log: Sendable {
        private let ids = Mutex<[String]>([])
        func append(_ id: String) { ids.withLock { $0.append(id) } }
        var all: [String] { ids.withLock { $0 } }
    }
}

// README-EXAMPLE-BEGIN
/// An agent harness that runs a feature durably with its own closure: run it again after a
/// crash or a cancellation and it resumes where it was; completed work does not run again.
func runFeatureWithMyAgent(projectRoot: String) async throws -> FeatureRun.Outcome {
    // The workstream files features/F100/*.md; the checkpoint goes to .sdp/checkpoints/.
    let run = try FeatureRun(
        root: projectRoot, featureID: "F100", options: FeatureRun.Options(maxConcurrency: 2, defaultRetries: 1))
    return try await run.run(
        executor: { workstream, attempt in
            // Call your coding agent here with the spec (workstream.body); throw or return
            // .failure(...) to fail the attempt.
            let built = await MyAgent.build(workstream.id, spec: workstream.body, attempt: attempt)
            return built ? .success : .failure(detail: "the agent gave up")
        },
        onEvent: { event in
            if case .dispatch(.workstreamSkipped(let id, let blockedBy)) = event {
                print("\(id) will not run: \(blockedBy) failed")
            }
        }
    )
}
// README-EXAMPLE-END

@Suite struct ReadmeExampleTests {
    @Test func theHarnessExampleRunsEveryWorkstreamInDependencyOrderDurably() async throws {
        let project = try TemporaryProject()
        try project.workstream("F100", "schema", run: nil)
        try project.workstream("F100", "api", depends: ["schema"], run: nil)
        try project.workstream("F100", "ui", depends: ["schema"], run: nil)
        try project.workstream("F100", "e2e", depends: ["api", "ui"], run: nil)
        let outcome = try await runFeatureWithMyAgent(projectRoot: project.path)
        #expect(outcome.succeeded && outcome.featureDone)
        #expect(MyAgent.built.all.first == "schema")
        #expect(MyAgent.built.all.last == "e2e")
        #expect(project.read(".sdp/checkpoints/F100-checkpoint.json") == nil, "done: the checkpoint is gone")
        #expect(project.read(".sdp/history/F100.json") != nil, "and the history recorded")
        // Run again: nothing to do.
        let again = try await runFeatureWithMyAgent(projectRoot: project.path)
        #expect(again.ending == .upToDate)
        #expect(MyAgent.built.all.count == 4)
    }

    @Test func theReadmeShowsExactlyTheCompiledExample() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        let source = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let begin = try #require(source.range(of: "// README-EXAMPLE-BEGIN\n"))
        let end = try #require(source.range(of: "// README-EXAMPLE-END"))
        let example = String(source[begin.upperBound..<end.lowerBound])
        #expect(readme.contains(example), "README.md's harness example differs from the compiled one in \(#fileID)")
    }
}
