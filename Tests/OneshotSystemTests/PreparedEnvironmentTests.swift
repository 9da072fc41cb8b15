import Foundation
import Testing

@testable import OneshotSystem

/// A child started from a ``PreparedEnvironment`` gets its entries, in order, then the ones
/// added for it; the same prepared entries serve any number of children.
@Suite(.timeLimit(.minutes(3))) struct PreparedEnvironmentTests {
    @Test func childrenGetThePreparedEntriesThenTheirOwn() throws {
        let prepared = PreparedEnvironment(["A=1", "B=two words", "EMPTY=", "U=naïve ✓"])
        for attempt in 1...3 {
            let output = try Self.environment(of: prepared, adding: ["ONESHOT_ATTEMPT=\(attempt)"])
            #expect(output == "A=1\nB=two words\nEMPTY=\nU=naïve ✓\nONESHOT_ATTEMPT=\(attempt)\n")
        }
        #expect(try Self.environment(of: PreparedEnvironment([]), adding: []) == "")
    }

    /// Entries made from bytes reach the child byte for byte, a value that is not UTF-8 too.
    @Test func entriesMadeFromBytesKeepBytesThatAreNotUTF8() throws {
        let prepared = PreparedEnvironment(bytes: [Array("X=a".utf8) + [0xFF, 0xFE], Array("EMPTY=".utf8)])
        #expect(prepared.entries == ["X=a\u{FFFD}\u{FFFD}", "EMPTY="])
        #expect(
            try Self.environmentBytes(of: prepared, adding: ["Y=1"]) == Array("X=a".utf8) + [0xFF, 0xFE]
                + Array("\nEMPTY=\nY=1\n".utf8))
    }

    /// This process's environment read as bytes holds what `ProcessInfo` shows.
    @Test func thisProcessEnvironmentAsBytes() {
        let entries = Syscall.environmentEntries.map { String(decoding: $0, as: UTF8.self) }
        let path = ProcessInfo.processInfo.environment["PATH"].map { "PATH=\($0)" }
        #expect(path == nil || entries.contains(path!))
    }

    /// What `/usr/bin/env` prints when started from `prepared` and `extra`.
    private static func environment(of prepared: PreparedEnvironment, adding extra: [String]) throws -> String {
        String(decoding: try environmentBytes(of: prepared, adding: extra), as: UTF8.self)
    }

    /// What `/usr/bin/env` prints, as bytes.
    private static func environmentBytes(of prepared: PreparedEnvironment, adding extra: [String]) throws -> [UInt8] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("prepared-env-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fd = try Syscall.open(path, O_WRONLY | O_CREAT | O_TRUNC)
        defer { Syscall.close(fd) }
        let child = try ChildProcess.spawn(
            executable: "/usr/bin/env", arguments: ["env"], environment: prepared, adding: extra, outputFD: fd)
        #expect(child.waitUntilExit() == .exited(0))
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
