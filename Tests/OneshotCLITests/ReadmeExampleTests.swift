import Foundation
import Oneshot
import Synchronization
import Testing

/// Stands in for a real coding agent in the README's example.
enum MyAgent {
    static let built = Log()

    static func build(_ id: String, attempt: Int) async -> Bool {
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
/// An agent harness that runs a feature with its own closure and reacts to events.
func runFeatureWithMyAgent() async throws -> RunReport {
    let feature = Feature(
        id: try FeatureID(validating: "F100"),
        workstreams: [
            Workstream(id: "schema"),
            Workstream(id: "api", dependencies: ["schema"]),
            Workstream(id: "ui", dependencies: ["schema"]),
            Workstream(id: "e2e", dependencies: ["api", "ui"]),
        ]
    )
    // Or from files: try FeatureLoader(layout: .folderPerFeature(root: "features")).load(id)
    let graph = try WorkstreamGraph(feature.workstreams)
    let dispatcher = Dispatcher(graph: graph, options: DispatchOptions(maxConcurrency: 2, defaultRetries: 1))
    return await dispatcher.run(
        executor: { workstream, attempt in
            // Call your coding agent here; throw or return .failure(...) to fail the attempt.
            let built = await MyAgent.build(workstream.id, attempt: attempt)
            return built ? .success : .failure(detail: "the agent gave up")
        },
        onEvent: { event in
            if case .workstreamSkipped(let id, let blockedBy) = event {
                print("\(id) will not run: \(blockedBy) failed")
            }
        }
    )
}
// README-EXAMPLE-END

@Suite struct ReadmeExampleTests {
    @Test func theHarnessExampleRunsEveryWorkstreamInDependencyOrder() async throws {
        let report = try await runFeatureWithMyAgent()
        #expect(report.status == .succeeded)
        #expect(MyAgent.built.all.first == "schema")
        #expect(MyAgent.built.all.last == "e2e")
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
