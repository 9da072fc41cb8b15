import Foundation
import OneshotWorkstreams

/// Runs one attempt through the executor, under its timeout, and classifies how it ended.
struct AttemptRunner: Sendable {
    /// How an attempt ended: it ran, or oneshot could not start it.
    enum Outcome: Sendable {
        case ran(AttemptStatus, ExecutionResult?)
        case notStarted(InfrastructureError)
    }

    let executor: Executor
    let sleep: @Sendable (Duration) async throws -> Void
    let outputsRoot: String?

    /// Races the executor against the timeout. When the timeout wins the executor is cancelled
    /// and awaited, so an attempt never outlives its slot (no two copies of one workstream).
    func run(_ workstream: Workstream, attempt: Int, timeout: Duration?) async -> Outcome {
        let outcome = await race(workstream, attempt: attempt, timeout: timeout)
        // An `idempotent: false` attempt stopped midway may have done part of its work: its
        // outcome is uncertain (held at the next resume), not "interrupted" (run again).
        guard case .ran(.interrupted, let result) = outcome, !workstream.isIdempotent else { return outcome }
        return .ran(
            .uncertain,
            result
                ?? .failure(detail: "stopped while running; as it is idempotent: false it may have done part of its work"))
    }

    private func race(_ workstream: Workstream, attempt: Int, timeout: Duration?) async -> Outcome {
        guard let timeout else { return await invoke(workstream, attempt) }
        let sleep = self.sleep
        return await withTaskGroup(of: Outcome?.self) { group in
            group.addTask { await invoke(workstream, attempt) }
            group.addTask {
                do {
                    try await sleep(timeout)
                    return .ran(.timedOut, ExecutionResult.failure(detail: "timed out after \(DurationText.format(timeout))"))
                } catch {
                    return nil
                }
            }
            while let next = await group.next() {
                guard let outcome = next else { continue }
                group.cancelAll()
                guard case .ran(.timedOut, let timedOut?) = outcome else { return outcome }
                // The executor, cancelled, still says where its log is and what it printed last:
                // a timed-out attempt is reported as fully as any failure.
                for await late in group {
                    // An attempt its executor could not stop is not over: retrying it would run two.
                    if case .ran(.uncertain, _)? = late, let late { return late }
                    if case .ran(_, let result?)? = late { return .ran(.timedOut, Self.merging(result, timedOut)) }
                }
                return outcome
            }
            return .ran(.interrupted, nil)
        }
    }

    /// The stopped executor's result (log path, last lines, cost) marked as timed out.
    private static func merging(_ result: ExecutionResult, _ timedOut: ExecutionResult) -> ExecutionResult {
        var merged = result
        merged.succeeded = false
        let lines = [result.detail, timedOut.detail].compactMap { $0 }.filter { !$0.isEmpty }
        merged.detail = lines.isEmpty ? nil : lines.joined(separator: "\n")
        return merged
    }

    private func invoke(_ workstream: Workstream, _ attempt: Int) async -> Outcome {
        do {
            var result = try await executor(workstream, attempt)
            if result.succeeded, let missing = missingOutput(of: workstream) {
                result.succeeded = false
                result.detail = "declared output \(missing) is missing after a successful exit"
            }
            if result.succeeded { return .ran(.succeeded, result) }
            return .ran(Task.isCancelled ? .interrupted : .failed, result)
        } catch let error as InfrastructureError {
            return .notStarted(error)
        } catch let error as AttemptNotStopped {
            return .ran(.uncertain, .failure(detail: error.description))
        } catch let error as OutcomeUnknown where !Task.isCancelled {
            return .ran(.uncertain, .failure(detail: error.description))
        } catch {
            if Task.isCancelled || error is CancellationError { return .ran(.interrupted, nil) }
            return .ran(.failed, .failure(detail: String(describing: error)))
        }
    }

    /// "Trust but verify": the first declared output that does not exist, if any.
    private func missingOutput(of workstream: Workstream) -> String? {
        guard let root = outputsRoot else { return nil }
        return workstream.outputs.first { output in
            let path = output.hasPrefix("/") ? output : (root as NSString).appendingPathComponent(output)
            return !FileManager.default.fileExists(atPath: path)
        }
    }
}
