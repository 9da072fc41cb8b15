import Foundation
import OneshotSystem
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `TreeRemoval` (what `oneshot clean` removes with) and `ByteName`: names that are not UTF-8
/// removed by their bytes and shown escaped; nothing outside the root followed.
@Suite(.timeLimit(.minutes(3))) struct TreeRemovalTests {
    /// A temporary root, removed when the test ends.
    private final class Root {
        let path = NSTemporaryDirectory() + "oneshot-tree-removal-" + UUID().uuidString

        init() throws {
            try FileManager.default.createDirectory(atPath: path + "/logs/F1", withIntermediateDirectories: true)
        }

        /// Creates the empty file whose name, under `folder`, is `name`'s bytes.
        func touch(_ folder: String, _ name: [UInt8]) {
            let full = Array((path + "/" + folder + "/").utf8) + name + [0]
            let fd = full.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_CREAT | O_WRONLY | O_CLOEXEC, 0o644) }
            }
            close(fd)
        }

        func count(_ folder: String) -> Int {
            (try? FileManager.default.contentsOfDirectory(atPath: path + "/" + folder).count) ?? -1
        }

        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    private let bad: [UInt8] = Array("bad".utf8) + [0xFF] + Array(".log".utf8)

    @Test func showsBytesThatAreNotUTF8Escaped() {
        #expect(ByteName.text(bad) == "bad\\xFF.log")
        #expect(ByteName.text(Array("é.log".utf8)) == "é.log")
        #expect(ByteName.text([0xC3]) == "\\xC3", "a sequence cut short")
        #expect(ByteName.text([0x61, 0xE2, 0x82, 0x62]) == "a\\xE2\\x82b")
    }

    /// Before, the listing gave `bad\u{FFFD}.log`, a name no file has: the file stayed and the
    /// folder could not be removed (ENOTEMPTY).
    @Test func removesAFolderHoldingANameThatIsNotUTF8() throws {
        let root = try Root()
        root.touch("logs/F1", bad)
        #expect(root.count("logs/F1") == 1)
        let removal = TreeRemoval(root: root.path)
        #expect(try removal.remove([Array("logs".utf8), Array("F1".utf8)]) == .removed)
        #expect(root.count("logs") == 0)
    }

    @Test func listsAndRemovesNamesByTheirBytes() throws {
        let root = try Root()
        root.touch("logs", Array("F1-checkpoint.json.tmp".utf8) + [0xFE])
        let removal = TreeRemoval(root: root.path)
        let names = try removal.names(in: [Array("logs".utf8)])
        let temporary = try #require(names.first { $0.last == 0xFE })
        #expect(try removal.remove([Array("logs".utf8), temporary]) == .removed)
        #expect(try removal.remove([Array("logs".utf8), temporary]) == .absent)
        #expect(root.count("logs") == 1, "only F1 is left")
    }

    @Test func leavesWhatASymlinkedFolderOnTheWayHolds() throws {
        let root = try Root()
        let outside = try Root()
        try FileManager.default.createSymbolicLink(atPath: root.path + "/history", withDestinationPath: outside.path + "/logs")
        outside.touch("logs", Array("F1.json".utf8))
        let removal = TreeRemoval(root: root.path)
        let outcome = try removal.remove([Array("history".utf8), Array("F1.json".utf8)])
        let expected = TreeRemoval.Left(path: root.path + "/history/F1.json", reason: .symlink(root.path + "/history"))
        #expect(outcome == .left([expected]))
        #expect(outside.count("logs") == 2)
        #expect(try removal.names(in: [Array("history".utf8)]).isEmpty, "not listed through the link")
    }
}
