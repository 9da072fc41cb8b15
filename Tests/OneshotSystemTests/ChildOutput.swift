import Foundation
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

/// Runs the blocking `body` on a thread of its own and returns its result.
func onItsOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: body()) }.start()
    }
}

/// Returns once the process `pid` (not necessarily a child) is gone, or `limit` has passed:
/// through its pidfd, which becomes readable at its exit.
///
/// - Returns: whether it is gone.
func processEnds(_ pid: pid_t, within limit: Duration) async -> Bool {
    await onItsOwnThread { waitForTheEnd(of: pid, within: limit) }
}

private func waitForTheEnd(of pid: pid_t, within limit: Duration) -> Bool {
    switch Pidfd.open(pid) {
    case .noSuchProcess:
        return true
    case .opened(let pidfd):
        defer { Syscall.close(pidfd) }
        return Pidfd.waitForExit(pidfd, timeout: limit)
    case .unsupported:
        // No pidfds (macOS): ask until the limit, the one thing left.
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline && ProcessInspector.startTime(of: pid) != nil { usleep(5_000) }
        return ProcessInspector.startTime(of: pid) == nil
    }
}
