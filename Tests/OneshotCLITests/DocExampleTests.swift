import Foundation
import Oneshot
import OneshotSystem
import Synchronization
import Testing

/// Every ```` ```swift ```` example of the public API's documentation comments, compiled and run
/// here: each `// DOC-EXAMPLE` block below holds one example's lines exactly, and a test checks
/// that every example in `Sources` appears in this file, so an example that stops compiling fails
/// the build and one edited in a comment alone fails the test.
@Suite(.timeLimit(.minutes(3))) struct DocExampleTests {
    /// Stands in for a coding agent.
    private struct Agent: Sendable {
        func build(_ id: String) async throws {}
    }
    private let myAgent = Agent()

    private func build(_ workstream: Workstream, _ attempt: Int) async throws -> ExecutionResult { .success }

    private func show(_ event: RunEvent) {}

    private var feature: Feature {
        get throws {
            Feature(
                id: try FeatureID(validating: "F052"),
                workstreams: [Workstream(id: "schema"), Workstream(id: "api", dependencies: ["schema"])])
        }
    }

    @Test func dispatcherRun() async throws {
        let feature = try feature
        // DOC-EXAMPLE-BEGIN
        let graph = try WorkstreamGraph(feature.workstreams)
        let dispatcher = Dispatcher(graph: graph, options: DispatchOptions(maxConcurrency: 4))
        let report = await dispatcher.run { workstream, attempt in
            try await myAgent.build(workstream.id)  // your closure
            return .success
        }
        // DOC-EXAMPLE-END
        #expect(report.status == .succeeded)
    }

    @Test func dispatcherEvents() async throws {
        let dispatcher = Dispatcher(graph: try WorkstreamGraph(try feature.workstreams))
        // DOC-EXAMPLE-BEGIN
        let events = dispatcher.events(executor: build)
        for await event in events { show(event) }  // may be cancelled
        let report = await events.report  // always there
        // DOC-EXAMPLE-END
        #expect(report.status == .succeeded)
    }

    @Test func checkpointSession() async throws {
        let projectRoot = NSTemporaryDirectory() + "oneshot-doc-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: projectRoot) }
        let graph = try WorkstreamGraph(try feature.workstreams)
        // DOC-EXAMPLE-BEGIN
        let paths = CheckpointPaths(folder: "\(projectRoot)/.sdp/checkpoints", featureID: "F052")
        let session = try CheckpointSession.open(graph: graph, paths: paths)
        let options = DispatchOptions(alreadyCompleted: session.plan.completed, held: session.plan.held)
        let report = await Dispatcher(graph: graph, options: options, journal: session.store).run(executor: build)
        try session.finish(allDone: report.status == .succeeded)
        // DOC-EXAMPLE-END
        #expect(report.status == .succeeded)
        #expect(FileManager.default.fileExists(atPath: "\(projectRoot)/.sdp/checkpoints/F052.lock"))
        #expect(!FileManager.default.fileExists(atPath: "\(projectRoot)/.sdp/checkpoints/F052-checkpoint.json"))
    }

    @Test func gettingStartedInMemory() async throws {
        let feature = try feature
        // DOC-EXAMPLE-BEGIN
        let graph = try WorkstreamGraph(feature.workstreams)
        let dispatcher = Dispatcher(graph: graph, options: DispatchOptions(maxConcurrency: 2, defaultRetries: 1))
        let report = await dispatcher.run(executor: build) { event in
            if case .workstreamSkipped(let id, let blockedBy) = event { print("\(id) will not run: \(blockedBy) failed") }
        }
        // DOC-EXAMPLE-END
        #expect(report.status == .succeeded)
    }

    /// A project folder with the feature F052 (`schema` ← `api`), removed by the caller.
    private func projectWithFeature() throws -> String {
        let projectRoot = NSTemporaryDirectory() + "oneshot-doc-\(UUID().uuidString)"
        for (id, dependencies) in [("schema", ""), ("api", "schema")] {
            try FileManager.default.createDirectory(
                atPath: "\(projectRoot)/features/F052", withIntermediateDirectories: true)
            try "---\nws_id: \(id)\ndepends_on: [\(dependencies)]\n---\n".write(
                toFile: "\(projectRoot)/features/F052/\(id).md", atomically: true, encoding: .utf8)
        }
        return projectRoot
    }

    @Test func gettingStartedDurable() async throws {
        let projectRoot = try projectWithFeature()
        defer { try? FileManager.default.removeItem(atPath: projectRoot) }
        // DOC-EXAMPLE-BEGIN
        let run = try FeatureRun(root: projectRoot, featureID: "F052", options: .init(maxConcurrency: 2, defaultRetries: 1))
        let outcome = try await run.run(executor: build) { event in
            if case .warning(let message) = event { print("warning: \(message)") }
        }
        print(outcome.succeeded ? "F052 is done" : "checkpoint saved: \(run.paths.checkpoint)")
        // DOC-EXAMPLE-END
        #expect(outcome.succeeded)
        #expect(!FileManager.default.fileExists(atPath: run.paths.checkpoint))
    }

    @Test func featureRun() async throws {
        let projectRoot = try projectWithFeature()
        defer { try? FileManager.default.removeItem(atPath: projectRoot) }
        // DOC-EXAMPLE-BEGIN
        let run = try FeatureRun(root: projectRoot, featureID: "F052", options: .init(maxConcurrency: 4))
        let outcome = try await run.run(executor: { workstream, attempt in
            try await myAgent.build(workstream.id)  // your closure
            return .success
        })
        if outcome.succeeded { print("F052 is done") }
        // DOC-EXAMPLE-END
        #expect(outcome.report?.results.count == 2)
    }

    /// Compiled, not run: it would install signal handlers in the test process, which runs
    /// other tests' children (the CLI's signal tests run it through the binary).
    private func signalCancellation(projectRoot: String) async throws {
        // DOC-EXAMPLE-BEGIN
        let run = try FeatureRun(root: projectRoot, featureID: "F052")
        let (outcome, signal) = try await SignalCancellation.run {
            try await run.run(executor: build)
        }
        if let signal, !outcome.succeeded { exit(128 + signal) }  // the checkpoint is saved
        // DOC-EXAMPLE-END
    }

    @Test func jsonWriter() {
        // DOC-EXAMPLE-BEGIN
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("attempt", 2)
        writer.field("ws_id", "api")
        writer.endObject()
        // writer.bytes: {"attempt":2,"ws_id":"api"}
        // DOC-EXAMPLE-END
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"attempt":2,"ws_id":"api"}"#)
    }

    @Test func jsonKey() {
        // DOC-EXAMPLE-BEGIN
        let attempt = JSONKey("attempt")
        var writer = JSONWriter()
        writer.beginObject()
        writer.field(attempt, 2)
        writer.endObject()
        // writer.bytes: {"attempt":2}
        // DOC-EXAMPLE-END
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"attempt":2}"#)
    }

    @Test func signalledExits() throws {
        let sleeper = try ChildProcess.spawn(
            executable: "/bin/sh", arguments: ["sh", "-c", "exec sleep 30"], environment: [:], outputFD: 2)
        let members = [sleeper.pid]
        // DOC-EXAMPLE-BEGIN
        let killed = SignalledExits.afterSignalling(awaiting: members) {
            members.filter { (try? Syscall.kill($0, SIGKILL)) != nil }.count
        }
        // DOC-EXAMPLE-END
        #expect(killed == 1)
        #expect(sleeper.waitUntilExit() == .signaled(SIGKILL))
    }

    @Test func everyExampleInTheSourcesIsCompiledHere() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let compiled = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
            .components(separatedBy: "// DOC-EXAMPLE-BEGIN\n").dropFirst()
            .map { $0.components(separatedBy: "// DOC-EXAMPLE-END")[0] }
            .map(Self.normalized)
        var found = 0
        let sources = FileManager.default.enumerator(atPath: root.appendingPathComponent("Sources").path)
        while let file = sources?.nextObject() as? String {
            let article = file.hasSuffix(".md") && file.contains(".docc/")
            guard file.hasSuffix(".swift") || article else { continue }
            let text = try String(contentsOf: root.appendingPathComponent("Sources/\(file)"), encoding: .utf8)
            for example in Self.examples(in: text, commented: !article) {
                found += 1
                #expect(compiled.contains(example), "Sources/\(file): an example not compiled in \(#fileID):\n\(example)")
            }
        }
        #expect(found >= 6)
    }

    /// The ```` ```swift ```` blocks of `text` (of its `///` comments when `commented`: a Swift
    /// file; else of the whole text: a DocC article), normalized.
    private static func examples(in text: String, commented: Bool) -> [String] {
        var examples: [String] = []
        var current: [String]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if commented && !trimmed.hasPrefix("///") { continue }
            let content = commented ? trimmed.dropFirst(3).drop { $0 == " " } : Substring(trimmed)
            if content == "```swift" {
                current = []
            } else if content == "```", let lines = current {
                examples.append(normalized(lines.joined(separator: "\n")))
                current = nil
            } else {
                current?.append(String(content))
            }
        }
        return examples
    }

    /// Lines without their indentation, empty ones dropped.
    private static func normalized(_ code: String) -> String {
        code.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.joined(
            separator: "\n")
    }
}
