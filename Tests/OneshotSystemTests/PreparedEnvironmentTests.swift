import Foundation
import Testing

@testable import OneshotSystem

/// A child started from a ``PreparedEnvironment`` gets its entries, in order, then the ones
/// added for it; the same prepared entries serve any number of children.
@Suite(.timeLimit(.minutes(1))) struct PreparedEnvironmentTests {
    @Test func childrenGetThePreparedEntriesThenTheirOwn() throws {
        let prepared = PreparedEnvironment(["A=1", "B=two words", "EMPTY=", "U=naïve ✓"])
        for attempt in 1...3 {
            let output = try Self.environment(of: prepared, adding: ["ONESHOT_ATTEMPT=\(attempt)"])
            #expect(output == "A=1\nB=two words\nEMPTY=\nU=naïve ✓\nONESHOT_ATTEMPT=\(attempt)\n")
        }
        #expect(try Self.environment(of: PreparedEnvironment([]), adding: []) == "")
    }

    /// What `/usr/bin/env` prints when started from `prepared` and `extra`.
    private static func environment(of prepared: PreparedEnvironment, adding extra: [String]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("prepared-env-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fd = try Syscall.open(path, O_WRONLY | O_CREAT | O_TRUNC)
        defer { Syscall.close(fd) }
        let child = try ChildProcess.spawn(
            executable: "/usr/bin/env", arguments: ["env"], environment: prepared, adding: extra, outputFD: fd)
        #expect(child.waitUntilExit() == .exited(0))
        return String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
    }
}
