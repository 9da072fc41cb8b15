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

    @Test func aLinkToItselfIsDanglingAndAFileBehindALinkIsRead() throws {
        let folder = try TemporaryFolder()
        try folder.write("features/F1/a.md", "---\nws_id: a\n---\n")
        try folder.write("elsewhere/b.txt", "---\nws_id: b\ndepends_on: [a]\n---\n")
        try FileManager.default.createSymbolicLink(
            atPath: folder.path + "/features/F1/b.md", withDestinationPath: "../../elsewhere/b.txt")
        #expect(messages(folder) == [])
        try FileManager.default.createSymbolicLink(atPath: folder.path + "/features/F1/self.md", withDestinationPath: "self.md")
        #expect(messages(folder) == ["features/F1/self.md: dangling symlink: it points to self.md, which does not exist"])
    }
}
