import Foundation
import OneshotTestSupport
import Testing

@testable import OneshotSystem

/// A child started with its output in a pipe, so that a test can await what it says (a line
/// written once it is ready) instead of polling for a file.
struct ChildOutput {
    let child: ChildProcess
    private let readEnd: Int32

    /// Starts `/bin/sh -c script` with stdout and stderr in a pipe this end reads.
    init(_ script: String) throws {
        let ends = try Syscall.pipe()
        defer { Syscall.close(ends.write) }
        do {
            child = try ChildProcess.spawn(
                executable: "/bin/sh", arguments: ["sh", "-c", script], environment: ["PATH": "/usr/bin:/bin"],
                outputFD: ends.write)
        } catch {
            Syscall.close(ends.read)
            throw error
        }
        readEnd = ends.read
    }

    /// The next line the child writes, without its newline; `nil` once no writer is left. Read on
    /// a thread of its own, so that the wait blocks none of the pool's threads.
    func line() async -> String? {
        await onItsOwnThread { readLine() }
    }

    private func readLine() -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(readEnd, &byte, 1)
            if count == -1 && errno == EINTR { continue }
            guard count == 1 else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            bytes.append(byte)
        }
    }

    /// Closes the read end.
    func close() {
        Syscall.close(readEnd)
    }
}
