import Foundation
import Oneshot
import OneshotSystem

/// Before a resume runs anything, the `verify:` command of each UNCERTAIN workstream (running
/// when its run died, its end unknown) that declares one: exit 0 keeps it as completed (PRESERVED,
/// not run again), anything else leaves it UNCERTAIN — run again when idempotent, held when not.
///
/// The commands run one at a time, as attempts do (``CommandExecutor/verify(_:attempt:)``), each
/// under the workstream's timeout (else `--timeout`). A SIGINT, SIGTERM, SIGHUP or SIGQUIT stops
/// the command under way (SIGTERM to its group, SIGKILL after `--grace`) and the step: what was
/// verified until then is kept, and the run ends with the signal's exit code.
struct VerifyStep {
    let session: CheckpointSession
    let graph: WorkstreamGraph
    let executor: CommandExecutor
    let defaultTimeout: Duration?
    let observers: [any RunObserver]

    /// Runs the commands and settles the session's plan with what they said.
    ///
    /// - Returns: the signal that stopped the step, or `nil` when it ran to its end.
    func run() async -> Int32? {
        let items = session.plan.verifiable
        guard !items.isEmpty else { return nil }
        let signals = [SIGINT, SIGTERM, SIGQUIT, SIGHUP].filter { !SignalWatcher.isIgnored($0) }
        let watched = SignalWatcher.signals(signals)
        let (outcomes, signal) = await withTaskGroup(of: Step.self) { group in
            group.addTask { .verified(await verifyAll(items)) }
            group.addTask {
                for await number in watched { return .signal(number) }
                return .signal(nil)
            }
            var outcomes: [String: ResumePlan.VerifyOutcome] = [:]
            var received: Int32?
            while let step = await group.next() {
                switch step {
                case .verified(let done):
                    outcomes = done
                    group.cancelAll()
                case .signal(let number?):
                    received = number
                    group.cancelAll()
                case .signal(nil):
                    break
                }
            }
            return (outcomes, received)
        }
        if case .unwritten(let message) = await session.settleVerifications(outcomes) {
            warn("\(message); what was verified is recorded with the run's next commit")
        }
        return signal
    }

    private enum Step: Sendable {
        case verified([String: ResumePlan.VerifyOutcome])
        case signal(Int32?)
    }

    /// Each item's outcome, in id order, until done or cancelled (a cancelled command's outcome
    /// is not kept: it said nothing).
    private func verifyAll(_ items: [ResumePlan.Uncertain]) async -> [String: ResumePlan.VerifyOutcome] {
        var outcomes: [String: ResumePlan.VerifyOutcome] = [:]
        for item in items {
            guard let node = graph.node(item.record.id), !Task.isCancelled else { break }
            let workstream = graph.workstreams[node]
            note(
                "verifying \(workstream.id) before resuming: its attempt \(item.record.attempt) was running when its run died; `\(item.verify ?? "")` (output in \(executor.logPath(for: workstream.id)))"
            )
            let outcome = await verify(workstream, attempt: item.record.attempt)
            if Task.isCancelled { break }
            outcomes[workstream.id] = outcome
        }
        return outcomes
    }

    /// One command under its timeout; a missing declared output fails it: trust, but verify.
    private func verify(_ workstream: Workstream, attempt: Int) async -> ResumePlan.VerifyOutcome {
        let timeout = workstream.timeout ?? defaultTimeout
        let result: ExecutionResult? = await withTaskGroup(of: ExecutionResult?.self) { group in
            group.addTask {
                do {
                    return try await executor.verify(workstream, attempt: attempt)
                } catch {
                    return .failure(detail: "could not run it: \(error)")
                }
            }
            if let timeout {
                group.addTask {
                    try? await Task.sleep(for: timeout)
                    return nil
                }
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let result else { return .failed("timed out after \(DurationText.format(timeout ?? .zero))") }
        guard result.succeeded else {
            return .failed(result.exitCode.map { "exit \($0)" } ?? result.detail ?? "failed")
        }
        if let missing = workstream.outputs.first(where: { !FileManager.default.fileExists(atPath: $0) }) {
            return .failed("exit 0, but its declared output \(missing) is missing")
        }
        return .passed
    }

    private func note(_ message: String) {
        observers.forEach { $0.note(message) }
    }

    private func warn(_ message: String) {
        observers.forEach { $0.warning(message) }
    }
}
