import Foundation
import OneshotTestSupport
import Synchronization
import Testing

@testable import OneshotSystem

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `TreeRemoval` on trees deeper than it keeps folders open for (reached again through `..`)
/// or than a path can name, and a folder moved out from under it while it climbs back.
@Suite(.timeLimit(.minutes(3))) struct DeepTreeRemovalTests {
    /// A temporary root holding `tree/`, removed when the test ends (by levels, as deep trees
    /// need).
    private final class Root {
        let path = NSTemporaryDirectory() + "oneshot-deep-removal-" + UUID().uuidString

        init() throws {
            try FileManager.default.createDirectory(atPath: path + "/tree", withIntermediateDirectories: true)
        }

        func exists(_ relative: String) -> Bool { FileManager.default.fileExists(atPath: path + "/" + relative) }

        deinit {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
                _ = try? TreeRemoval(root: path).remove([Array(name.utf8)])
            }
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    private let tree = [Array("tree".utf8)]
    /// A name that is not UTF-8, removed by its bytes at every level.
    private let file: [UInt8] = Array("f".utf8) + [0xFF]

    @Test func removesAChainFarDeeperThanItsBudgetAndEveryFileOnTheWay() throws {
        let root = try Root()
        try DeepTree.make(in: root.path + "/tree", depth: 2_000, name: Array("d".utf8), file: file)
        var removal = TreeRemoval(root: root.path)
        removal.descriptorBudget = 3
        #expect(try removal.remove(tree) == .removed)
        #expect(!root.exists("tree"))
    }

    /// 40 levels of 250-byte names: 10,000 bytes, where a path may hold 4,096.
    @Test func removesATreeDeeperThanAPathCanName() throws {
        let root = try Root()
        let name = [UInt8](repeating: 0x6C, count: 250)
        try DeepTree.make(in: root.path + "/tree", depth: 40, name: name, file: file)
        #expect(DeepTree.depth(in: root.path + "/tree", name: name) == 40)
        var removal = TreeRemoval(root: root.path)
        removal.descriptorBudget = 2
        #expect(try removal.remove(tree) == .removed)
        #expect(!root.exists("tree"))
    }

    /// Siblings at every level, so that the walk goes down again from folders it reopened
    /// through `..`.
    @Test func goesDownAgainFromAFolderReachedThroughItsChild() throws {
        let root = try Root()
        for branch in ["a", "b", "c"] {
            try FileManager.default.createDirectory(atPath: root.path + "/tree/x/" + branch, withIntermediateDirectories: true)
            try DeepTree.make(in: root.path + "/tree/x/" + branch, depth: 30, name: Array("d".utf8), file: file)
        }
        var removal = TreeRemoval(root: root.path)
        removal.descriptorBudget = 1
        #expect(try removal.remove(tree) == .removed)
        #expect(!root.exists("tree"))
    }

    /// `tree/a/b/c/d` kept two folders open: leaving `c`, `b` is reached again through `c`'s
    /// `..` — which, `c` having just been moved to `outside/`, is `outside`. Walking on there
    /// would remove `outside/z` (as `b/z`) and `outside` itself; the walk stops instead, naming
    /// `c`, and `b/z` and `outside/z` both stay.
    @Test func aFolderMovedWhileTheWalkClimbsStopsItThere() throws {
        let root = try Root()
        try FileManager.default.createDirectory(atPath: root.path + "/tree/a/b/c/d", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root.path + "/outside", withIntermediateDirectories: true)
        for file in ["tree/a/b/z", "outside/z", "tree/a/b/c/d/deep"] {
            #expect(FileManager.default.createFile(atPath: root.path + "/" + file, contents: Data()))
        }
        let moved = Mutex<[String]>([])
        let rootPath = root.path
        var removal = TreeRemoval(root: root.path)
        removal.descriptorBudget = 2
        removal.willReopenParent = { path in
            moved.withLock { $0.append(path) }
            guard path == rootPath + "/tree/a/b/c" else { return }
            rename(path, rootPath + "/outside/c")
        }
        let outcome = try removal.remove(tree)
        let expected = TreeRemoval.Left(path: root.path + "/tree", reason: .moved(root.path + "/tree/a/b/c"))
        #expect(outcome == .left([expected]))
        #expect(moved.withLock { $0 } == [root.path + "/tree/a/b/c"])
        #expect(root.exists("outside/z") && root.exists("outside/c") && root.exists("tree/a/b/z"))
        #expect(!root.exists("outside/c/d"), "what was under c was removed before it moved")
    }

    /// `tree/a/b/c/d` with `a/y` and `b/z`, one folder open at a time: just before `b` is
    /// reached again through `c`'s `..`, `a` (with `b` and `c` in it) moves to `outside/`.
    /// `c`'s `..` is still `b` — the same folder, moved — so that check passes; before, the walk
    /// then removed `outside/a/b/c`, `outside/a/b/z`, `outside/a/b` and `outside/a/y`. Checking
    /// that every folder is still where it was found (here before every removal) stops it at
    /// `a`, nothing removed where it went.
    @Test func aFolderAboveTheWalkMovedStopsItBeforeItRemovesWhereItWent() throws {
        let root = try Root()
        try FileManager.default.createDirectory(atPath: root.path + "/tree/a/b/c/d", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root.path + "/outside", withIntermediateDirectories: true)
        for file in ["tree/a/y", "tree/a/b/z", "tree/a/b/c/d/deep"] {
            #expect(FileManager.default.createFile(atPath: root.path + "/" + file, contents: Data()))
        }
        let rootPath = root.path
        var removal = TreeRemoval(root: root.path)
        removal.descriptorBudget = 1
        removal.checkInterval = 1
        removal.willReopenParent = { path in
            guard path == rootPath + "/tree/a/b/c" else { return }
            rename(rootPath + "/tree/a", rootPath + "/outside/a")
        }
        let outcome = try removal.remove(tree)
        let expected = TreeRemoval.Left(path: root.path + "/tree", reason: .moved(root.path + "/tree/a"))
        #expect(outcome == .left([expected]))
        for file in ["outside/a/y", "outside/a/b/z", "outside/a/b/c"] { #expect(root.exists(file), "\(file)") }
        #expect(!root.exists("outside/a/b/c/d"), "what was under c was removed before a moved")
        #expect(root.exists("tree"))
    }

    /// The folder the walk removes files from moves out between two of them: the next check
    /// stops it, the files not removed yet left where they went.
    @Test func aFolderMovedWhileItsFilesAreRemovedKeepsTheRest() throws {
        let root = try Root()
        try FileManager.default.createDirectory(atPath: root.path + "/tree/a/b", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root.path + "/outside", withIntermediateDirectories: true)
        let files = (1...9).map { "f\($0)" }
        for file in files { #expect(FileManager.default.createFile(atPath: root.path + "/tree/a/" + file, contents: Data())) }
        let rootPath = root.path
        var removal = TreeRemoval(root: root.path)
        // `b` comes first (byte order); climbing back from it to `a` is when `a` moves.
        removal.descriptorBudget = 1
        removal.checkInterval = 1
        removal.willReopenParent = { path in
            guard path == rootPath + "/tree/a/b" else { return }
            rename(rootPath + "/tree/a", rootPath + "/outside/a")
        }
        let outcome = try removal.remove(tree)
        #expect(outcome == .left([TreeRemoval.Left(path: root.path + "/tree", reason: .moved(root.path + "/tree/a"))]))
        for file in files { #expect(root.exists("outside/a/" + file), "\(file)") }
    }
}
