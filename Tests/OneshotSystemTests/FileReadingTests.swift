import Foundation
import OneshotSystem
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The calls the feature loader reads a tree of workstream files with: a listing with each
/// entry's type, a file's kind, a link's target, and a whole file read with its limit. Each
/// failure names its path.
@Suite(.timeLimit(.minutes(3))) struct FileReadingTests {
    /// A temporary folder with `file.txt` ("hello\n"), `empty.txt`, `sub/`, `fifo`, `link` (to
    /// `file.txt`), `dangling` (to `gone`) and `loop` (to itself); removed when the test ends.
    private final class Sample {
        let root = NSTemporaryDirectory() + "oneshot-file-reading-" + UUID().uuidString

        init() throws {
            let manager = FileManager.default
            try manager.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
            try Data("hello\n".utf8).write(to: URL(fileURLWithPath: root + "/file.txt"))
            try Data().write(to: URL(fileURLWithPath: root + "/empty.txt"))
            guard mkfifo(root + "/fifo", 0o600) == 0 else { throw POSIXError(.EIO) }
            try manager.createSymbolicLink(atPath: root + "/link", withDestinationPath: "file.txt")
            try manager.createSymbolicLink(atPath: root + "/dangling", withDestinationPath: "gone")
            try manager.createSymbolicLink(atPath: root + "/loop", withDestinationPath: "loop")
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }
    }

    private func failure(_ body: () throws(SystemError) -> some Any) -> SystemError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    @Test func aListingGivesEachEntrysTypeWithoutDotEntries() throws {
        let sample = try Sample()
        let entries = try Syscall.directoryEntries(sample.root).sorted { $0.name < $1.name }
        // ext4 and tmpfs record the type; a file system that does not says `.unknown`.
        let expected: [(String, DirectoryEntry.Kind)] = [
            ("dangling", .symlink), ("empty.txt", .regular), ("fifo", .other), ("file.txt", .regular),
            ("link", .symlink), ("loop", .symlink), ("sub", .directory),
        ]
        #expect(entries.map(\.name) == expected.map(\.0))
        for (entry, (name, kind)) in zip(entries, expected) {
            #expect(entry.kind == kind || entry.kind == .unknown, "\(name): \(entry.kind)")
        }
        #expect(try Syscall.directoryEntries(sample.root + "/sub").isEmpty)
    }

    @Test func aListingThatFailsNamesItsPath() throws {
        let sample = try Sample()
        let missing = failure { () throws(SystemError) in try Syscall.directoryEntries(sample.root + "/nothing") }
        #expect(missing == SystemError(call: "opendir", path: sample.root + "/nothing", errno: ENOENT))
        let file = failure { () throws(SystemError) in try Syscall.directoryEntries(sample.root + "/file.txt") }
        #expect(file == SystemError(call: "opendir", path: sample.root + "/file.txt", errno: ENOTDIR))
    }

    @Test func kindsFollowLinksOnlyWhenAsked() throws {
        let sample = try Sample()
        #expect(try Syscall.kind(of: sample.root + "/link", followingSymlink: false) == .symlink)
        #expect(try Syscall.kind(of: sample.root + "/link", followingSymlink: true) == .regular)
        #expect(try Syscall.kind(of: sample.root + "/sub", followingSymlink: true) == .directory)
        #expect(try Syscall.kind(of: sample.root + "/fifo", followingSymlink: true) == .other)
        #expect(try Syscall.kind(of: sample.root + "/dangling", followingSymlink: true) == nil)
        #expect(try Syscall.kind(of: sample.root + "/file.txt/x", followingSymlink: true) == nil, "ENOTDIR: nothing there")
        let loop = failure { () throws(SystemError) in try Syscall.kind(of: sample.root + "/loop", followingSymlink: true) }
        #expect(loop == SystemError(call: "stat", path: sample.root + "/loop", errno: ELOOP))
    }

    @Test func aLinksTargetIsReadAsWritten() throws {
        let sample = try Sample()
        #expect(try Syscall.symlinkTarget(sample.root + "/dangling") == "gone")
        #expect(try Syscall.symlinkTarget(sample.root + "/link") == "file.txt")
        let notALink = failure { () throws(SystemError) in try Syscall.symlinkTarget(sample.root + "/file.txt") }
        #expect(notALink == SystemError(call: "readlink", path: sample.root + "/file.txt", errno: EINVAL))
    }

    @Test func aWholeFileIsReadThroughLinks() throws {
        let sample = try Sample()
        #expect(try Syscall.readWholeFile(sample.root + "/file.txt", limit: 100) == .contents(Array("hello\n".utf8)))
        #expect(try Syscall.readWholeFile(sample.root + "/link", limit: 6) == .contents(Array("hello\n".utf8)))
        #expect(try Syscall.readWholeFile(sample.root + "/empty.txt", limit: 0) == .contents([]))
        let large = [UInt8](repeating: 0x61, count: 300_000)
        try Data(large).write(to: URL(fileURLWithPath: sample.root + "/large.txt"))
        #expect(try Syscall.readWholeFile(sample.root + "/large.txt", limit: 300_000) == .contents(large))
    }

    @Test func aFileOverTheLimitIsNotReadAndItsSizeGiven() throws {
        let sample = try Sample()
        #expect(try Syscall.readWholeFile(sample.root + "/file.txt", limit: 5) == .tooLarge(size: 6))
        // Sparse: 20 MiB that take no room.
        let handle = try #require(FileHandle(forWritingAtPath: sample.root + "/file.txt"))
        try handle.truncate(atOffset: 20 * 1_048_576)
        try handle.close()
        #expect(try Syscall.readWholeFile(sample.root + "/file.txt", limit: 16 * 1_048_576) == .tooLarge(size: 20 * 1_048_576))
    }

    @Test func aFIFOOrAFolderIsNotRegularAndNothingBlocks() throws {
        let sample = try Sample()
        #expect(try Syscall.readWholeFile(sample.root + "/fifo", limit: 100) == .notRegular)
        #expect(try Syscall.readWholeFile(sample.root + "/sub", limit: 100) == .notRegular)
        #expect(try Syscall.readWholeFile("/dev/null", limit: 100) == .notRegular)
    }

    @Test func aFileThatCannotBeOpenedNamesItsPath() throws {
        let sample = try Sample()
        for (name, code) in [("nothing", ENOENT), ("dangling", ENOENT), ("file.txt/x", ENOTDIR), ("loop", ELOOP)] {
            let path = sample.root + "/" + name
            let error = failure { () throws(SystemError) in try Syscall.readWholeFile(path, limit: 100) }
            #expect(error == SystemError(call: "open", path: path, errno: code), "\(name)")
        }
    }

    /// The empty log a killed run left is removed through the descriptor that found it empty:
    /// only while its path still names that file (a review saw it unlinked by path, so a file
    /// put in its place in between would have gone).
    @Test func aFileIsRemovedOnlyWhileItsPathStillNamesTheOpenFile() throws {
        let sample = try Sample()
        let path = sample.root + "/empty.txt"
        let fd = try Syscall.open(path, O_RDONLY)
        defer { Syscall.close(fd) }
        try Data("theirs\n".utf8).write(to: URL(fileURLWithPath: sample.root + "/other.txt"))
        #expect(rename(sample.root + "/other.txt", path) == 0)
        #expect(try Syscall.removeIfStill(path, openAs: fd) == false)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "theirs\n", "the file put in its place stays")

        let own = try Syscall.open(path, O_RDONLY)
        defer { Syscall.close(own) }
        #expect(try Syscall.removeIfStill(path, openAs: own))
        #expect(!FileManager.default.fileExists(atPath: path))
        #expect(try Syscall.removeIfStill(path, openAs: own) == false, "gone already: nothing to do")
    }
}
