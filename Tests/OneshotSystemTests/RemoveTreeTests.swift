import Foundation
import OneshotSystem
import OneshotTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `FileSystem.removeTree` (what `oneshot clean` removes with): everything under a folder, links
/// removed and never followed, and the first failure named by its path, injected or real.
@Suite(.timeLimit(.minutes(3))) struct RemoveTreeTests {
    /// A temporary folder holding `tree/sub/deep.txt`, `tree/top.txt`, `tree/link` (to
    /// `outside/`) and `outside/kept.txt`; removed when the test ends.
    private final class Sample {
        let root = NSTemporaryDirectory() + "oneshot-remove-tree-" + UUID().uuidString
        var tree: String { root + "/tree" }

        init() throws {
            let manager = FileManager.default
            try manager.createDirectory(atPath: tree + "/sub", withIntermediateDirectories: true)
            try manager.createDirectory(atPath: root + "/outside", withIntermediateDirectories: true)
            for file in [tree + "/sub/deep.txt", tree + "/top.txt", root + "/outside/kept.txt"] {
                try Data("x\n".utf8).write(to: URL(fileURLWithPath: file))
            }
            try manager.createSymbolicLink(atPath: tree + "/link", withDestinationPath: root + "/outside")
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }
    }

    @Test func removesAFolderAndEverythingInItWithoutFollowingLinks() throws {
        let sample = try Sample()
        #expect(try PosixFileSystem().removeTree(sample.tree))
        #expect(!FileManager.default.fileExists(atPath: sample.tree))
        #expect(FileManager.default.fileExists(atPath: sample.root + "/outside/kept.txt"), "the link's target is kept")
        #expect(try PosixFileSystem().removeTree(sample.tree) == false, "nothing left: nothing removed")
    }

    @Test func removesASingleFileOrADanglingLink() throws {
        let sample = try Sample()
        #expect(try PosixFileSystem().removeTree(sample.tree + "/top.txt"))
        try FileManager.default.removeItem(atPath: sample.root + "/outside")
        #expect(try PosixFileSystem().removeTree(sample.tree + "/link"), "a dangling link is still there to remove")
        #expect(try FileManager.default.contentsOfDirectory(atPath: sample.tree) == ["sub"])
    }

    @Test(arguments: [
        (FaultInjectingFileSystem.Operation.unlink, "sub/deep.txt", "unlink", "/tree/sub/deep.txt"),
        (.removeDirectory, "tree/sub", "rmdir", "/tree/sub"),
        (.listDirectory, "tree", "opendir", "/tree"),
        (.fileType, "tree", "lstat", "/tree"),
    ])
    func stopsAtTheFirstFailureNamingItsPath(
        operation: FaultInjectingFileSystem.Operation, on part: String, call: String, failing: String
    ) throws {
        let sample = try Sample()
        let fileSystem = FaultInjectingFileSystem()
        fileSystem.fail(operation, errno: EACCES, path: part)
        #expect(throws: SystemError(call: call, path: sample.root + failing, errno: EACCES)) {
            try fileSystem.removeTree(sample.tree)
        }
        #expect(FileManager.default.fileExists(atPath: sample.tree), "the folder stays when something in it does")
        #expect(FileManager.default.fileExists(atPath: sample.root + "/outside/kept.txt"))
    }

    #if os(Linux)
        /// A real fault: a tmpfs mounted read-only under the tree refuses the unlink (`EROFS`).
        @Test func aReadOnlyFileSystemFailsWithTheFileItCouldNotRemove() throws {
            let sample = try Sample()
            let mountPoint = sample.tree + "/sub"
            guard let disk = try TestMount.tmpfs(at: mountPoint, size: "64k", folder: sample.root) else { return }
            defer { disk.unmount() }
            try Data("x\n".utf8).write(to: URL(fileURLWithPath: mountPoint + "/deep.txt"))
            #expect(disk.makeReadOnly(size: "64k"))
            #expect(throws: SystemError(call: "unlink", path: mountPoint + "/deep.txt", errno: EROFS)) {
                try PosixFileSystem().removeTree(sample.tree)
            }
            #expect(FileManager.default.fileExists(atPath: mountPoint + "/deep.txt"))
        }
    #endif
}
