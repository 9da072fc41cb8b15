import Foundation
import Testing

/// The bad-input corpus: every case under `Tests/Fixtures/BadInput/<case>/` holds a project
/// (`features/…`, optionally a checkpoint and a configuration) and `case.json` with the
/// arguments, the exit code and a fragment of the message. None may trap; each ends as it says.
@Suite(.timeLimit(.minutes(3))) struct BadInputCorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/BadInput").path

    static var cases: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: corpus)) ?? []).filter {
            FileManager.default.fileExists(atPath: "\(corpus)/\($0)/case.json")
        }.sorted()
    }

    struct Case: Decodable {
        var arguments: [String]
        var exitCode: Int32
        var message: String
        var checkpoint: String?
        var config: String?

        enum CodingKeys: String, CodingKey {
            case arguments, message, checkpoint, config
            case exitCode = "exit_code"
        }
    }

    @Test func theCorpusHasAtLeastFortyCases() {
        #expect(Self.cases.count >= 40)
    }

    @Test(arguments: cases)
    func endsAsTheFixtureSays(name: String) async throws {
        let folder = "\(Self.corpus)/\(name)"
        let spec = try JSONDecoder().decode(Case.self, from: Data(contentsOf: URL(fileURLWithPath: "\(folder)/case.json")))
        let project = try TemporaryProject()
        if FileManager.default.fileExists(atPath: "\(folder)/features") {
            try FileManager.default.copyItem(atPath: "\(folder)/features", toPath: project.file("features"))
        }
        if let checkpoint = spec.checkpoint { try project.write(".sdp/checkpoints/F1-checkpoint.json", checkpoint) }
        if let config = spec.config { try project.write(".sdp/config.yml", config) }
        let result = try await OneshotBinary.run(spec.arguments, in: project.path)
        #expect(result.exited, "\(name): oneshot was killed by signal \(result.exitCode)")
        #expect(result.exitCode == spec.exitCode, "\(name): \(result.stderr)")
        #expect((result.stdout + result.stderr).contains(spec.message), "\(name): \(result.stdout)\n\(result.stderr)")
        if spec.checkpoint != nil && spec.exitCode == 0 {
            let movedAside = FileManager.default.fileExists(atPath: project.file(".sdp/checkpoints/F1-checkpoint.json.corrupt"))
            if spec.message.hasPrefix("CHANGED") || spec.message.hasSuffix("; using 1000000")
                || spec.message.hasSuffix("; treated as half-open")
            {
                // A number out of range is clamped: the checkpoint is kept.
                #expect(!movedAside, "\(name): moved aside")
            } else {
                // A checkpoint that cannot be trusted is moved aside, never deleted.
                #expect(movedAside, "\(name): not moved aside")
            }
        }
    }

    @Test func aTenMegabyteWorkstreamFileIsRead() async throws {
        let project = try TemporaryProject()
        let body = String(repeating: "Long design notes that go on and on for a very large file. \n", count: 175_000)
        try project.write("features/F1/big.md", "---\nws_id: big\nrun: true\n---\n" + body)
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
    }

    @Test func tenThousandWorkstreamsInOneFolderAreValidatedAndPlanned() async throws {
        let project = try TemporaryProject()
        try FileManager.default.createDirectory(atPath: project.file("features/F1"), withIntermediateDirectories: true)
        for index in 0..<10_000 {
            let dependencies = index < 100 ? "" : "w\(index - 100)"
            try Data("---\nws_id: w\(index)\ndepends_on: [\(dependencies)]\nrun: true\n---\n".utf8)
                .write(to: URL(fileURLWithPath: project.file("features/F1/w\(index).md")))
        }
        let plan = try await OneshotBinary.run(["plan", "F1", "--json"], in: project.path)
        #expect(plan.exitCode == 0, "\(plan.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])
        #expect((object["waves"] as? [[String]])?.count == 100)
        // One bad file among them is found and named.
        try Data("---\nws_id: w5000\ndepends_on: [nowhere]\nrun: true\n---\n".utf8)
            .write(to: URL(fileURLWithPath: project.file("features/F1/w5000.md")))
        let bad = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(bad.exitCode == 2)
        #expect(
            bad.stderr
                == "oneshot: error: features/F1/w5000.md:2: workstream w5000 depends on nowhere, which is not a workstream of this feature\n"
        )
    }
}
