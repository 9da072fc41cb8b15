import Foundation
import OneshotSystem

/// Waits for a process that is not our child (an attempt adopted from an earlier run) to exit:
/// through its pidfd on the process-wide ``EventLoop``. Cancelling the wait terminates the
/// process's group: SIGTERM, SIGKILL after the grace if it still runs.
struct OrphanWait: Sendable {
    let pid: Int32
    let start: UInt64
    let grace: Duration

    func untilExit() async {
        await withTaskCancellationHandler {
            await exit()
        } onCancel: {
            terminate()
        }
    }

    private var isRunning: Bool { ProcessInspector.isRunning(pid, startedBy: start) }

    private func exit() async {
        let (pid, start) = (pid, start)
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<EventLoop.WatchOutcome, Never>) in
            guard let loop = EventLoop.shared else { return continuation.resume(returning: .unsupported) }
            let outcome = loop.watch(pid, ifStill: { ProcessInspector.isRunning(pid, startedBy: start) }) {
                continuation.resume(returning: .watching)
            }
            if outcome != .watching { continuation.resume(returning: outcome) }
        }
        guard outcome == .unsupported else { return }
        // Without pidfds (macOS, old kernels) a process that is not our child can only be
        // looked at: every 100 ms until it is gone.
        while isRunning && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    private func terminate() {
        guard isRunning else { return }
        try? Syscall.kill(-pid, SIGTERM)
        let (pid, start) = (pid, start)
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(grace / .milliseconds(1)))) {
            if ProcessInspector.isRunning(pid, startedBy: start) { try? Syscall.kill(-pid, SIGKILL) }
        }
    }
}
