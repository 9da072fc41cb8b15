import OneshotCheckpoint
import OneshotSystem
import OneshotTestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite struct AtomicFileTests {
    @Test func writesReplacesAndLeavesNoTemporaryFile() throws {
        let folder = try TemporaryFolder()
        let writer = AtomicFile()
        try writer.write(Array("first".utf8), to: folder.file("c.json"))
        try writer.write(Array("second".utf8), to: folder.file("c.json"))
        #expect(folder.read("c.json") == "second")
        #expect(folder.names == ["c.json"])
    }

    @Test func theSequenceIsTemporaryWriteFsyncRenameFolderFsync() throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        try AtomicFile(fileSystem: fileSystem).write(Array("x".utf8), to: folder.file("c.json"))
        let steps = fileSystem.calls.map { $0.split(separator: " ")[0] }
        #expect(steps == ["open", "write", "fsync", "rename", "fsyncDirectory"])
        #expect(fileSystem.calls[0].contains("c.json.tmp."))
    }

    @Test(arguments: [
        (FaultInjectingFileSystem.Operation.open, EACCES),
        (.write, ENOSPC),
        (.write, EIO),
        (.fsync, EIO),
        (.rename, EXDEV),
    ])
    func aFailureBeforeTheRenameKeepsTheOldFileAndRemovesTheTemporary(operation: FaultInjectingFileSystem.Operation, code: Int32)
        throws
    {
        let folder = try TemporaryFolder()
        try folder.write("c.json", "old")
        let fileSystem = FaultInjectingFileSystem()
        fileSystem.fail(operation, errno: code)
        #expect(throws: SystemError.self) {
            try AtomicFile(fileSystem: fileSystem).write(Array("new".utf8), to: folder.file("c.json"))
        }
        #expect(folder.read("c.json") == "old")
        #expect(folder.names == ["c.json"])
    }

    @Test func aFolderFsyncFailureIsReportedWithTheNewContentInPlace() throws {
        let folder = try TemporaryFolder()
        try folder.write("c.json", "old")
        let fileSystem = FaultInjectingFileSystem()
        fileSystem.fail(.fsyncDirectory, errno: EIO)
        #expect(throws: SystemError(call: "fsync", path: folder.path, errno: EIO)) {
            try AtomicFile(fileSystem: fileSystem).write(Array("new".utf8), to: folder.file("c.json"))
        }
        #expect(folder.read("c.json") == "new")
        #expect(folder.names == ["c.json"])
    }

    @Test func afterAFailedFsyncTheNextWriteStartsOverWithANewFile() throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        fileSystem.fail(.fsync, errno: EIO)
        let writer = AtomicFile(fileSystem: fileSystem)
        #expect(throws: SystemError.self) { try writer.write(Array("a".utf8), to: folder.file("c.json")) }
        try writer.write(Array("b".utf8), to: folder.file("c.json"))
        let opened = fileSystem.calls.filter { $0.hasPrefix("open ") }
        #expect(opened.count == 2 && opened[0] != opened[1], "\(opened)")
        #expect(folder.read("c.json") == "b")
    }

    @Test func shortWritesAreLooped() throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        fileSystem.shortenWrites()
        let text = String(repeating: "0123456789", count: 100)
        try AtomicFile(fileSystem: fileSystem).write(Array(text.utf8), to: folder.file("c.json"))
        #expect(folder.read("c.json") == text)
        #expect(fileSystem.calls.filter { $0.hasPrefix("write") }.count == 143)
    }

    @Test func orphanedTemporariesAreRemovedAndNothingElse() throws {
        let folder = try TemporaryFolder()
        try folder.write("c.json", "keep")
        try folder.write("c.json.tmp.123.1", "orphan")
        try folder.write("other.json.tmp.1.1", "not ours")
        let removed = try AtomicFile().removeOrphanedTemporaries(of: folder.file("c.json"))
        #expect(removed == ["c.json.tmp.123.1"])
        #expect(folder.names == ["c.json", "other.json.tmp.1.1"])
    }
}

@Suite struct FileLockTests {
    @Test func aSecondHolderIsRefusedWithThePathAndThePid() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("F1.lock")
        let first = try FileLock.acquire(path)
        #expect(folder.read("F1.lock") == "\(getpid())\n")
        #expect(throws: FileLock.Failure.held(path: path, holderPID: getpid())) { try FileLock.acquire(path) }
        _ = first
    }

    @Test func theLockIsFreeOnceReleasedAndTheFileStays() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("F1.lock")
        do { _ = try FileLock.acquire(path) }
        let again = try FileLock.acquire(path)
        _ = again
        #expect(folder.names == ["F1.lock"])
    }

    @Test func differentFeaturesLockIndependently() throws {
        let folder = try TemporaryFolder()
        let one = try FileLock.acquire(folder.file("F1.lock"))
        let two = try FileLock.acquire(folder.file("F2.lock"))
        _ = (one, two)
    }
}
