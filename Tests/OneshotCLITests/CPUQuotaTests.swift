import Foundation
import Testing

/// ``CPUQuota`` does what the tests under load rely on: a process put in it is in the group,
/// is held back when it computes past its share, and the group is gone afterwards.
@Suite(.timeLimit(.minutes(3))) struct CPUQuotaTests {
    @Test func aProcessInTheQuotaIsThrottledAndTheGroupIsRemovedAfterwards() async throws {
        if let reason = CPUQuota.unavailableReason {
            print("CPUQuotaTests skipped: \(reason)")
            return
        }
        let path = try await CPUQuota.with(percentOfOneCPU: 10) { quota in
            // The child waits for a line before it computes, so it is in the group from its first busy cycle.
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "read _; i=0; while [ $i -lt 100000 ]; do i=$((i + 1)); done"]
            let input = Pipe()
            process.standardInput = input
            let exited = AsyncStream<Int32>.makeStream()
            process.terminationHandler = { exited.continuation.yield($0.terminationStatus) }
            try process.run()
            try quota.add(process.processIdentifier)
            #expect(quota.processes == [process.processIdentifier])
            let cgroups = try String(contentsOfFile: "/proc/\(process.processIdentifier)/cgroup", encoding: .utf8)
            #expect(cgroups.contains((quota.path as NSString).lastPathComponent))
            try input.fileHandleForWriting.write(contentsOf: Data("go\n".utf8))
            var iterator = exited.stream.makeAsyncIterator()
            #expect(await iterator.next() == 0)
            #expect(quota.throttledPeriods > 0, "a 10 % quota never held back a busy loop of ~100 ms")
            return quota.path
        }
        #expect(!FileManager.default.fileExists(atPath: path), "the cgroup was left behind")
    }

    @Test func aGroupWithAProcessStillInItIsRemovedToo() async throws {
        if let reason = CPUQuota.unavailableReason {
            print("CPUQuotaTests skipped: \(reason)")
            return
        }
        let quota = try CPUQuota(percentOfOneCPU: 50)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "read _"]
        let input = Pipe()
        process.standardInput = input
        try process.run()
        defer { try? input.fileHandleForWriting.close() }
        try quota.add(process.processIdentifier)
        try quota.remove()
        #expect(!FileManager.default.fileExists(atPath: quota.path))
        let cgroups = try String(contentsOfFile: "/proc/\(process.processIdentifier)/cgroup", encoding: .utf8)
        #expect(!cgroups.contains((quota.path as NSString).lastPathComponent), "the process was not moved out")
    }
}
