import Foundation
import OneshotBreaker
import OneshotCheckpoint
import OneshotCommand
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotWorkstreams

extension FeatureRun {
    /// Before a resume runs anything, the `verify:` command of each uncertain workstream (running
    /// when its run died, its end unknown) that declares one: exit 0 keeps it as completed, not
    /// run again; anything else leaves it uncertain (run again when idempotent, held when not).
    ///
    /// The commands run one at a time, each under the workstream's timeout (else
    /// ``Options/defaultTimeout``). Cancellation stops the command under way and the step: what
    /// was verified until then is kept.
    /// A command that cannot be started for a reason waiting would not mend (its log cannot be
    /// opened, no `/bin/sh`) stops the step and the run, as an attempt's launch would: the
    /// workstream stays uncertain (it never vouches), and the next ones would fail alike.
    ///
    /// - Returns: how the step stopped the run (``Outcome/Ending/stoppedWhileVerifying``,
    ///   ``Outcome/Ending/verifyNotStarted(_:)``); `nil` when the run goes on.
    func verify(
        _ session: CheckpointSession, with executor: (any AttemptExecutor)?, onEvent: @Sendable (Event) -> Void
    ) async -> Outcome.Ending? {
        let items = session.plan.verifiable
        guard let executor, !items.isEmpty else { return nil }
        var outcomes: [String: ResumePlan.VerifyOutcome] = [:]
        var lasting: String?
        for item in items {
            guard let node = graph.node(item.record.id), !Task.isCancelled else { break }
            let workstream = graph.workstreams[node]
            onEvent(.verifying(item, logPath: executor.logPath(for: workstream.id)))
            let (outcome, notStarted) = await verify(workstream, attempt: item.record.attempt, with: executor.commands)
            if Task.isCancelled { break }
            outcomes[workstream.id] = outcome
            if let notStarted {
                lasting = "the verify: command of \(workstream.id) \(notStarted)"
                break
            }
        }
        if case .unwritten(let message) = await session.settleVerifications(outcomes) {
            onEvent(.warning("\(message); what was verified is recorded with the run's next commit"))
        }
        if Task.isCancelled { return .stoppedWhileVerifying }
        return lasting.map { .verifyNotStarted($0) }
    }

    /// Why a `verify:` command could not be started, on one line: as an attempt's launch error,
    /// said to be lasting when waiting would not mend it. It never vouches: the workstream stays
    /// uncertain (run again when idempotent, where the same lasting error stops the run with the
    /// attempt's launch; held when not).
    static func notStarted(_ error: InfrastructureError) -> String {
        "could not be started: \(error.message)" + (error.lasting ? "; waiting would not mend it" : "")
    }

    /// One command under its timeout; a missing declared output fails it: trust, but verify.
    ///
    /// - Returns: the outcome, and why the command could not be started when waiting would not
    ///   mend it.
    private func verify(
        _ workstream: Workstream, attempt: Int, with executor: CommandExecutor
    ) async -> (ResumePlan.VerifyOutcome, lasting: String?) {
        let timeout = workstream.timeout ?? options.defaultTimeout
        let ran: Result<ExecutionResult, InfrastructureError>? = await withTaskGroup(
            of: Result<ExecutionResult, InfrastructureError>?.self
        ) { group in
            group.addTask {
                do {
                    return .success(try await executor.verify(workstream, attempt: attempt))
                } catch let error as InfrastructureError {
                    return .failure(error)
                } catch {
                    return .failure(InfrastructureError(String(describing: error)))
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
        switch ran {
        case nil: return (.failed("timed out after \(DurationText.format(timeout ?? .zero))"), nil)
        case .failure(let error)?:
            return (.failed(Self.notStarted(error)), error.lasting ? Self.notStarted(error) : nil)
        case .success(let result)?: return (outcome(of: result, for: workstream), nil)
        }
    }

    /// A verify that ran: passed when it exited 0 and every declared output is there.
    private func outcome(of result: ExecutionResult, for workstream: Workstream) -> ResumePlan.VerifyOutcome {
        guard result.succeeded else {
            return .failed(result.exitCode.map { "exit \($0)" } ?? result.detail ?? "failed")
        }
        if let missing = workstream.outputs.first(where: { !outputExists($0) }) {
            return .failed("exit 0, but its declared output \(missing) is missing")
        }
        return .passed
    }
}
