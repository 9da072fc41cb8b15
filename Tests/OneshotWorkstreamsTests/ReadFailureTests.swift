import Foundation
import OneshotSystem
import Testing

@testable import OneshotWorkstreams

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file or folder of a feature that cannot be read is reported with the system's reason: with
/// `ulimit -n 9` the loader said only "cannot read the folder" (exit 2, as if the input were at
/// fault).
@Suite struct ReadFailureTests {
    @Test func theSystemsReasonIsGivenAndTheDescriptorLimitNamed() {
        let emfile = NSError(
            domain: NSCocoaErrorDomain, code: NSFileReadUnknownError,
            userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(EMFILE))])
        #expect(ReadFailure.reason(emfile) == "too many open files (raise ulimit -n)")
        let denied = NSError(domain: NSCocoaErrorDomain, code: NSFileReadNoPermissionError)
        #expect(ReadFailure.reason(denied) == "permission denied")
        let missing = NSError(
            domain: NSCocoaErrorDomain, code: NSFileReadNoSuchFileError,
            userInfo: [NSUnderlyingErrorKey: NSError(domain: NSPOSIXErrorDomain, code: Int(ENOENT))])
        #expect(ReadFailure.reason(missing) == "no such file or directory")
    }

    @Test func aWorkstreamFileThatIsAFIFOIsNotRegularAndNothingBlocks() throws {
        let folder = try TemporaryFolder()
        try folder.write("features/F1/a.md", "---\nws_id: a\n---\n")
        #expect(mkfifo(folder.path + "/features/F1/pipe.md", 0o600) == 0)
        let loader = FeatureLoader(layout: .folderPerFeature(root: folder.path + "/features"), displayBase: folder.path)
        #expect {
            _ = try loader.load(FeatureID(validating: "F1"))
        } throws: { error in
            (error as? InputErrors)?.errors.map(\.description) == [
                "features/F1/pipe.md: cannot read the file: not a regular file"
            ]
        }
    }
}

/// The loader's own reads (no Foundation): the same reasons, in the same words.
@Suite struct LoaderReadFailureTests {
    @Test func aSystemErrorsReasonIsWordedAsFoundationWordedIt() {
        #expect(
            ReadFailure.reason(SystemError(call: "open", path: "a.md", errno: EMFILE)) == "too many open files (raise ulimit -n)")
        #expect(ReadFailure.reason(SystemError(call: "open", path: "a.md", errno: ENFILE)).hasSuffix("(raise ulimit -n)"))
        #expect(ReadFailure.reason(SystemError(call: "open", path: "a.md", errno: EACCES)) == "permission denied")
        #expect(ReadFailure.reason(SystemError(call: "open", path: "a.md", errno: ENOENT)) == "no such file or directory")
        let boxed: any Error = SystemError(call: "opendir", path: "d", errno: EACCES)
        #expect(ReadFailure.reason(boxed) == "permission denied")
    }

    private func messages(_ folder: TemporaryFolder) -> [String] {
        let loader = FeatureLoader(layout: .folderPerFeature(root: folder.path + "/features"), displayBase: folder.path)
        do {
            _ = try loader.load(FeatureID(validating: "F1"))
            return []
        } catch let error as InputErrors {
            return error.errors.map(\.description)
        } catch {
            return ["\(error)"]
        }
    }

    @Test func aFileOver16MiBIsRefusedWithItsSize() throws {
        let folder = try TemporaryFolder()
        try folder.write("features/F1/a.md", "---\nws_id: a\n---\n")
        try folder.write("features/F1/huge.md", "---\nws_id: huge\n---\n")
        // Sparse: 17 MiB that take no room.
        let handle = try #require(FileHandle(forWritingAtPath: folder.path + "/features/F1/huge.md"))
        try handle.truncate(atOffset: 17 * 1_048_576 + 5)
        try handle.close()
        #expect(
            messages(folder) == [
                "features/F1/huge.md: file too large (17 MiB; a workstream file is read whole, up to 16 MiB)"
            ])
    }

    @Test func aLinkToItselfIsALoopAndAFileBehindALinkIsRead() throws {
        let folder = try TemporaryFolder()
        try folder.write("features/F1/a.md", "---\nws_id: a\n---\n")
        try folder.write("elsewhere/b.txt", "---\nws_id: b\ndepends_on: [a]\n---\n")
        try FileManager.default.createSymbolicLink(
            atPath: folder.path + "/features/F1/b.md", withDestinationPath: "../../elsewhere/b.txt")
        #expect(messages(folder) == [])
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/features/F1/self.md", withDestinationPath: "self.md")
        #expect(
            messages(folder) == [
                "features/F1/self.md: cannot follow the symlink to self.md: too many levels of symbolic links"
            ])
    }
}

/// Odd names and links in a feature's folder are reported for what they are (hostile review 7:
/// a file whose name is not UTF-8 was reported "no such file or directory", a symlink loop
/// "dangling … which does not exist").
@Suite struct OddEntryTests {
    @Test func aNameThatIsNotUTF8IsReportedAsSuch() throws {
        let folder = try TemporaryFolder()
        try folder.write("features/F1/a.md", "---\nws_id: a\n---\n")
        for (name, isFolder) in [([0x62, 0xFF] + Array(".md".utf8), false), ([0x64, 0xFE], true)] {
            let path = Array((folder.path + "/features/F1/").utf8) + name
            let cPath = path.map { CChar(bitPattern: $0) } + [0]
            if isFolder {
                #expect(mkdir(cPath, 0o700) == 0)
            } else {
                let fd = open(cPath, O_CREAT | O_WRONLY, 0o600)
                #expect(fd >= 0)
                close(fd)
            }
        }
        let loader = FeatureLoader(layout: .folderPerFeature(root: folder.path + "/features"), displayBase: folder.path)
        #expect {
            _ = try loader.load(FeatureID(validating: "F1"))
        } throws: { error in
            (error as? InputErrors)?.errors.map(\.description) == [
                "features/F1/b\u{FFFD}.md: the name is not valid UTF-8 (shown with \u{FFFD}); rename it",
                "features/F1/d\u{FFFD}: the name is not valid UTF-8 (shown with \u{FFFD}); rename it",
            ]
        }
    }

    @Test func aSymlinkLoopIsALoopNotADanglingLink() throws {
        let folder = try TemporaryFolder()
        try folder.write("features/F1/a.md", "---\nws_id: a\n---\n")
        #expect(symlink("loop2.md", folder.path + "/features/F1/loop1.md") == 0)
        #expect(symlink("loop1.md", folder.path + "/features/F1/loop2.md") == 0)
        let loader = FeatureLoader(layout: .folderPerFeature(root: folder.path + "/features"), displayBase: folder.path)
        #expect {
            _ = try loader.load(FeatureID(validating: "F1"))
        } throws: { error in
            (error as? InputErrors)?.errors.map(\.description) == [
                "features/F1/loop1.md: cannot follow the symlink to loop2.md: too many levels of symbolic links",
                "features/F1/loop2.md: cannot follow the symlink to loop1.md: too many levels of symbolic links",
            ]
        }
    }
}
