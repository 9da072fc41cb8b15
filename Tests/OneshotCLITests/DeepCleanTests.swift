import Foundation
import OneshotSystem
import OneshotTestSupport
import Testing

/// `oneshot clean` on a log tree deeper than the descriptors it may open and than a path can
/// name. Before, it held one descriptor per level: 5,000 levels under `ulimit -n 64` failed
/// with EMFILE and left the logs.
@Suite(.timeLimit(.minutes(2))) struct DeepCleanTests {
    @Test func aTreeFiveThousandLevelsDeepIsRemovedUnderSixtyFourDescriptors() async throws {
        let project = try TemporaryProject()
        // The removal under test is also the cleanup: a path this deep is more than
        // FileManager can remove.
        defer { _ = try? TreeRemoval(root: project.path).remove([Array(".sdp".utf8)]) }
        try project.workstream("F1", "a", run: "echo hello")
        #expect(try await OneshotBinary.run(["F1"], in: project.path).exitCode == 0)
        try FileManager.default.createDirectory(atPath: project.file(".sdp/logs/F1/deep"), withIntermediateDirectories: true)
        try DeepTree.make(in: project.file(".sdp/logs/F1/deep"), depth: 5_000, name: Array("d".utf8), file: Array("x.log".utf8))
        #expect(DeepTree.depth(in: project.file(".sdp/logs/F1/deep"), name: Array("d".utf8)) == 5_000)

        let clean = try await OneshotBinary.start(
            ["clean", "F1", "--logs"], in: project.path, launcher: ["/bin/sh", "-c", "ulimit -n 64 && exec \"$@\"", "sh"]
        ).finish()
        #expect(clean.exitCode == 0, "\(clean.stderr)")
        #expect(clean.stdout == "removed .sdp/logs/F1\n")
        #expect(!FileManager.default.fileExists(atPath: project.file(".sdp/logs/F1")))
        #expect(FileManager.default.fileExists(atPath: project.file(".sdp/history/F1.json")), "--logs only")
    }
}
