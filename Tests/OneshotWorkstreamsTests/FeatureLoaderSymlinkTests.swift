import Foundation
import Testing

@testable import OneshotWorkstreams

/// Symlinks under a feature's folder: followed, with loops and dangling links reported.
@Suite struct FeatureLoaderSymlinkTests {
    private func load(_ folder: TemporaryFolder) throws -> Feature {
        let loader = FeatureLoader(layout: .folderPerFeature(root: folder.path + "/features"), displayBase: folder.path)
        return try loader.load(FeatureID(validating: "F1"))
    }

    private func link(_ folder: TemporaryFolder, _ relative: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(
            atPath: (folder.path as NSString).appendingPathComponent(relative), withDestinationPath: target)
    }

    private func messages(_ folder: TemporaryFolder) -> [String] {
        do {
            _ = try load(folder)
            return []
        } catch let error as InputErrors {
            return error.errors.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func aSymlinkedFolderIsFollowed() throws {
        let folder = try TemporaryFolder()
        try folder.write("features/F1/a.md", "---\nws_id: a\n---\n")
        try folder.write("shared/b.md", "---\nws_id: b\ndepends_on: [a]\n---\n")
        try link(folder, "features/F1/shared", to: "../../shared")
        let feature = try load(folder)
        #expect(feature.workstreams.map(\.id) == ["a", "b"])
        #expect(feature.workstreams[1].source?.file == "features/F1/shared/b.md")
    }

    @Test func aLinkBackToAnEnclosingFolderIsALoopNamedByItsPath() throws {
        let folder = try TemporaryFolder()
        try folder.write("features/F1/a.md", "---\nws_id: a\n---\n")
        try link(folder, "features/F1/up", to: "..")
        #expect(
            messages(folder) == [
                "features/F1/up: symlink to .. leads to a folder that holds the feature's folder (a loop); remove the link"
            ])
    }

    @Test func aFolderLinkedTwiceIsReportedOnce() throws {
        let folder = try TemporaryFolder()
        try folder.write("features/F1/a.md", "---\nws_id: a\n---\n")
        try folder.write("shared/b.md", "---\nws_id: b\n---\n")
        try link(folder, "features/F1/one", to: "../../shared")
        try link(folder, "features/F1/two", to: "../../shared")
        #expect(
            messages(folder) == [
                "features/F1/two: symlink to ../../shared leads to a folder already read (linked twice); remove the link"
            ])
    }

    @Test func aDanglingMarkdownLinkSaysSo() throws {
        let folder = try TemporaryFolder()
        try folder.write("features/F1/a.md", "---\nws_id: a\n---\n")
        try link(folder, "features/F1/gone.md", to: "../../moved.md")
        #expect(
            messages(folder) == [
                "features/F1/gone.md: dangling symlink: it points to ../../moved.md, which does not exist"
            ])
    }
}
