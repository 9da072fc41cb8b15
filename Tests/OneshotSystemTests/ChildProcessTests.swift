import Foundation
import OneshotTestSupport
import Synchronization
import Testing

@testable import OneshotSystem

/// Children are waited for through the process-wide ``EventLoop`` (pidfds) where it exists,
/// else on a thread each; both ways must report the same things and leave no process behind.
@Suite(.timeLimit(.minutes(3))) struct ChildProcessTests {
    enum Waiting: String, CaseIterable {
        case monitor, thread
        var monitor: EventLoop? { self == .monitor ? EventLoop.shared : nil }
    }

    private func spawn(_ script: String) throws -> ChildProcess {
        try ChildProcess.spawn(
            executable: "/bin/sh", arguments: ["sh", "-c", script], environment: ["PATH": "/usr/bin:/bin"],
            outputFD: 2)
    }

    private func wait(_ child: ChildProcess, _ waiting: Waiting) async -> OneshotSystem.ExitStatus {
        // The grace is how long a SIGTERMed shell may take to act on it before the SIGKILL: on a
        // loaded 2-core machine (CI) it was not run within 5 s and ended .signaled(SIGKILL). It is
        // waited only when the shell does not end, which no test here expects.
        await child.wait(terminationGrace: .seconds(30), monitor: waiting.monitor)
    }

    @Test func theMonitorExistsOnLinux() {
        #if os(Linux)
            #expect(EventLoop.watchesExits, "pidfd_open should be available on Linux 5.3+ with glibc 2.36+")
        #endif
    }

    @Test(arguments: Waiting.allCases)
    func reportsExitCodesAndSignals(_ waiting: Waiting) async throws {
        #expect(await wait(try spawn("exit 0"), waiting) == .exited(0))
        #expect(await wait(try spawn("exit 7"), waiting) == .exited(7))
        #expect(await wait(try spawn("kill -TERM $$"), waiting) == .signaled(SIGTERM))
    }

    @Test(arguments: Waiting.allCases)
    func manyChildrenAtOnceAreEachReportedOnce(_ waiting: Waiting) async throws {
        let statuses = try await withThrowingTaskGroup(of: (Int, OneshotSystem.ExitStatus).self) { group in
            for index in 0..<64 {
                let child = try spawn("exit \(index % 5)")
                group.addTask { (index, await wait(child, waiting)) }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(statuses.count == 64)
        for (index, status) in statuses { #expect(status == .exited(Int32(index % 5))) }
    }

    @Test func aChildThatExitsBeforeItIsWatchedIsStillReported() async throws {
        let child = try spawn("exit 3")
        // Wait until it is a zombie without reaping it, then watch it.
        var info = siginfo_t()
        while waitid(P_PID, id_t(child.pid), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
        #expect(await wait(child, .monitor) == .exited(3))
    }

    @Test(arguments: Waiting.allCases)
    func cancellingTheWaitTerminatesTheWholeGroup(_ waiting: Waiting) async throws {
        // A background job that would outlive its shell, and a shell that ignores nothing.
        // The job outlasts any wait here: on a loaded machine the task waiting for the shell
        // began after a 30 s job had ended, and the shell, cancelled late, had exited 0.
        let output = try ChildOutput("sleep 300 > /dev/null 2>&1 & echo $!; wait")
        defer { output.close() }
        let child = output.child
        let task = Task { await wait(child, waiting) }
        let sleeper = try #require(await output.line().flatMap { pid_t($0.trimmingSpaces()) })
        task.cancel()
        let status = await task.value
        #expect(status == .signaled(SIGTERM))
        // The group was killed once the shell ended: the background sleep ends too (exits, to
        // be reaped by whoever adopted it); its pidfd says when.
        #expect(await processEnds(sleeper, within: .seconds(10)), "the background job of a terminated command outlived it")
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

@Suite(.timeLimit(.minutes(3))) struct EventLoopTests {
    /// What `/bin/sh -c script` printed, run through ``ChildProcess`` with its output in a file.
    private func output(of script: String) async throws -> String {
        let path = NSTemporaryDirectory() + "oneshot-spawn-\(UUID().uuidString)"
        defer { unlink(path) }
        let fd = try Syscall.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o600)
        defer { Syscall.close(fd) }
        #expect(try await spawn(script, outputFD: fd).wait(terminationGrace: .seconds(5)) == .exited(0))
        return try String(contentsOfFile: path, encoding: .utf8)
    }

    private func spawn(_ script: String, outputFD: Int32) throws -> ChildProcess {
        try ChildProcess.spawn(
            executable: "/bin/sh", arguments: ["sh", "-c", script], environment: ["PATH": "/usr/bin:/bin"],
            outputFD: outputFD)
    }

    @Test func aDescriptorLeftOpenWithoutCloseOnExecDoesNotReachTheChild() async throws {
        #if os(Linux)
            // As an embedding harness might: a pipe whose far end waits for EOF.
            var ends: [Int32] = [-1, -1]
            #expect(pipe(&ends) == 0)
            defer { ends.forEach { Syscall.close($0) } }
            let listed = try await output(of: "ls /proc/$$/fd")
            let descriptors = Set(listed.split(separator: "\n").compactMap { Int32($0) })
            #expect(descriptors.isDisjoint(with: ends), "inherited: \(descriptors)")
            #expect(descriptors.isSuperset(of: [0, 1, 2]))
        #endif
    }

    @Test func aSignalTheParentIgnoresIsNotIgnoredInTheChild() async throws {
        #if os(Linux)
            let previous = signal(SIGUSR2, SIG_IGN)
            defer { signal(SIGUSR2, previous) }
            let line = try await output(of: "grep SigIgn /proc/$$/status")
            // SIGUSR2 is signal 12: bit 11 of the ignored mask.
            let mask = UInt64(
                line.split(separator: "\t").last.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } ?? "", radix: 16)
            #expect(mask.map { $0 & (1 << 11) } == 0, "\(line)")
        #endif
    }

    @Test func jobsAndExitsTakeTurnsOnOneThread() async throws {
        let loop = try EventLoop(name: "test.loop")
        defer { loop.stop() }
        let statuses = try await EventLoop.$current.withValue(loop) {
            try await withTaskExecutorPreference(loop) {
                try await withThrowingTaskGroup(of: (OneshotSystem.ExitStatus, [RunningThread]).self) { group in
                    for code in 0..<8 {
                        let child = try ChildProcess.spawn(
                            executable: "/bin/sh", arguments: ["sh", "-c", "exit \(code)"], environment: [:], outputFD: 2)
                        group.addTask {
                            let before = RunningThread.current
                            let status = await child.wait(terminationGrace: .seconds(5))
                            return (status, [before, RunningThread.current])
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
            }
        }
        #expect(statuses.map(\.0.shellCode).sorted() == Array(0..<8))
        // Every job, before and after its child's exit, ran on one thread: the loop's.
        let threads = Set(statuses.flatMap(\.1))
        #expect(threads.count == 1, "the jobs ran on \(threads)")
        #expect(threads.allSatisfy { $0.name == "test.loop" }, "\(threads)")
    }

    @Test func aTaskThatKeepsYieldingCannotHideAnExit() async throws {
        // On one thread, a task that only yields keeps the job queue from ever emptying: the
        // loop must still look at the children now and then.
        let loop = try EventLoop(name: "test.busy")
        defer { loop.stop() }
        let status = try await EventLoop.$current.withValue(loop) {
            try await withTaskExecutorPreference(loop) {
                try await withThrowingTaskGroup(of: OneshotSystem.ExitStatus?.self) { group in
                    let child = try ChildProcess.spawn(
                        executable: "/bin/sh", arguments: ["sh", "-c", "exit 4"], environment: [:], outputFD: 2)
                    let ended = Flag()
                    group.addTask {
                        let status = await child.wait(terminationGrace: .seconds(5))
                        ended.set()
                        return status
                    }
                    group.addTask {
                        while !ended.isSet { await Task.yield() }
                        return nil
                    }
                    return try await group.reduce(into: [OneshotSystem.ExitStatus]()) { if let status = $1 { $0.append(status) } }
                }
            }
        }
        #expect(status == [.exited(4)])
    }
}

private final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

/// The thread code runs on: its identity and the name the system gives it.
struct RunningThread: Hashable, Sendable {
    /// The kernel's thread id (Linux) or `pthread_threadid_np` (Darwin): one per live thread.
    var id: UInt64
    var name: String?

    static var current: RunningThread {
        #if os(Linux)
            // /proc/thread-self links to /proc/<pid>/task/<tid>.
            let link = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self")) ?? ""
            let id = UInt64(link.split(separator: "/").last ?? "") ?? 0
            let name = (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?.trimmingCharacters(
                in: .newlines)
            return RunningThread(id: id, name: name)
        #else
            var id: UInt64 = 0
            pthread_threadid_np(nil, &id)
            var name = [CChar](repeating: 0, count: 64)
            pthread_getname_np(pthread_self(), &name, name.count)
            return RunningThread(id: id, name: String(cString: name))
        #endif
    }
}
