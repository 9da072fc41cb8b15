import Foundation
import OneshotTestSupport
import Synchronization
import Testing

@testable import OneshotSystem

/// Without pidfds, one thread learns every child's exit through `waitid(P_ALL, WNOWAIT)`; it
/// never reaps, so a zombie it does not watch stays for its owner. (`monitor: nil` forces this
/// path on Linux too.)
@Suite(.timeLimit(.minutes(3))) struct ExitWaiterTests {
    private func spawn(_ script: String) throws -> ChildProcess {
        try ChildProcess.spawn(
            executable: "/bin/sh", arguments: ["sh", "-c", script], environment: ["PATH": "/usr/bin:/bin"], outputFD: 2)
    }

    /// A child this process starts without ``ChildProcess``, as an embedding harness might.
    private func spawnForeign(_ script: String) throws -> pid_t {
        let words: [String] = ["sh", "-c", script]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, "/bin/sh", nil, nil, argv, nil)
        try #require(result == 0)
        return pid
    }

    private func threads(named name: String) -> Int {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.filter {
            (try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8))?.trimmingCharacters(in: .newlines)
                == name
        }.count
    }

    @Test func aZombieItDoesNotWatchIsNeverReapedAndHidesNoExit() async throws {
        let foreign = try spawnForeign("exit 7")
        // The foreign child is a zombie before ours starts: first in waitid(P_ALL)'s way.
        await onItsOwnThread { try? Syscall.waitForExitWithoutReaping(foreign) }
        let ours = try spawn("exit 3")
        #expect(await ours.wait(terminationGrace: .seconds(5), monitor: nil) == .exited(3))
        var status: Int32 = 0
        #expect(waitpid(foreign, &status, 0) == foreign, "the waiter reaped a child it does not own")
        #expect(ExitStatus(waitStatus: status) == .exited(7))
    }

    @Test func oneThreadWatchesEveryChild() async throws {
        #if os(Linux)
            let waiter = try #require(ExitWaiter.shared)
            // One exit reported first: the waiter's thread runs (and has named itself).
            let first = try spawn("exit 0")
            #expect(await first.wait(terminationGrace: .seconds(5), monitor: nil) == .exited(0))
            let children = try (0..<20).map { _ in try spawn("exec sleep 30") }
            let (exits, continuation) = AsyncStream.makeStream(of: pid_t.self)
            for child in children {
                waiter.watch(child.pid) { continuation.yield(child.pid) }
            }
            #expect(threads(named: "oneshot.wait") == 1)
            for child in children { try Syscall.kill(-child.pid, SIGKILL) }
            var reported: Set<pid_t> = []
            for await pid in exits {
                reported.insert(pid)
                if reported.count == children.count { break }
            }
            #expect(reported == Set(children.map(\.pid)))
            for child in children {
                #expect(child.waitUntilExit() == .signaled(SIGKILL), "the exit was reaped by the waiter")
                waiter.forget(child.pid)
            }
        #endif
    }
}
