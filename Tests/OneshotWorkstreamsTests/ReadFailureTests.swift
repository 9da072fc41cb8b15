import Foundation
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
