import Foundation
import Testing

@testable import OneshotWorkstreams

/// A temporary folder removed when the test ends.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "oneshot-test-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    func write(_ relative: String, _ text: String) throws {
        let full = (path as NSString).appendingPathComponent(relative)
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true
        )
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    }
}

@Suite struct FeatureLoaderTests {
    @Test func readsEveryMarkdownFileAtAnyDepthAndSkipsSummaries() throws {
        let folder = try TemporaryFolder()
        try folder.write("features/F1/a.md", "---\nws_id: a\n---\n")
        try folder.write("features/F1/deep/er/b.md", "## Metadata\n- **ws_id**: b\n- **dependencies**: a\n")
        try folder.write("features/F1/README.md", "# F1\nJust a summary.\n")
        try folder.write("features/F1/notes.txt", "ws_id: not markdown\n")
        let loader = FeatureLoader(layout: .folderPerFeature(root: folder.path + "/features"), displayBase: folder.path)
        let feature = try loader.load(FeatureID(validating: "F1"))
        #expect(feature.workstreams.map(\.id) == ["a", "b"])
        #expect(feature.workstreams[1].source?.file == "features/F1/deep/er/b.md")
    }

    @Test func selectsByFeatureIDInATaggedTree() throws {
        let folder = try TemporaryFolder()
        try folder.write("docs/ws/a.md", "---\nws_id: 00-052-01\nfeature_id: \"052\"\n---\n")
        try folder.write("docs/ws/b.md", "---\nws_id: 00-051-01\nfeature_id: F051\nstatus: completed\n---\n")
        try folder.write("docs/ws/c.md", "---\nws_id: 00-051-02\nfeature_id: F051\n---\n")
        let loader = FeatureLoader(layout: .tagged(root: folder.path + "/docs/ws"))
        let feature = try loader.load(FeatureID(validating: "F052"))
        #expect(feature.workstreams.map(\.id) == ["00-052-01"])
        #expect(feature.satisfiedExternally == ["00-051-01"])
    }

    @Test func missingFolderEmptyFeatureAndForeignFeatureIDAreErrors() throws {
        let folder = try TemporaryFolder()
        try folder.write("features/F2/README.md", "# nothing\n")
        try folder.write("features/F3/a.md", "---\nws_id: a\nfeature_id: F9\n---\n")
        let loader = FeatureLoader(layout: .folderPerFeature(root: folder.path + "/features"), displayBase: folder.path)
        func message(_ id: String) -> String {
            do {
                _ = try loader.load(FeatureID(validating: id))
                return ""
            } catch let error as InputErrors {
                return error.description
            } catch {
                return "\(error)"
            }
        }
        #expect(message("F1") == "no such feature F1: folder features/F1 does not exist")
        #expect(message("F2") == "feature F2 has no workstreams: no .md file in features/F2 declares a ws_id")
        #expect(message("F3").hasPrefix("features/F3/a.md:2: feature_id is F9 but the file is in the folder of F3"))
    }

    @Test func handlesALargeFileAndManyFiles() throws {
        let folder = try TemporaryFolder()
        let body = String(repeating: "Lorem ipsum dolor sit amet, consectetur adipiscing elit.\n", count: 180_000)
        try folder.write("features/F1/big.md", "---\nws_id: big\n---\n" + body)
        for index in 0..<2000 {
            try folder.write("features/F1/w\(index).md", "---\nws_id: w\(index)\ndepends_on: [big]\n---\n")
        }
        let loader = FeatureLoader(layout: .folderPerFeature(root: folder.path + "/features"))
        let feature = try loader.load(FeatureID(validating: "F1"))
        #expect(feature.workstreams.count == 2001)
    }
}
