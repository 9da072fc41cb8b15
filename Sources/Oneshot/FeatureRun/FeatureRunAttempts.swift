import Foundation
import OneshotBreaker
import OneshotCheckpoint
import OneshotCommand
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotWorkstreams

/// The executor a ``FeatureRun`` was given: an ``AttemptExecutor``, which can find, adopt and
/// stop an earlier run's attempts and run `verify:` commands, or a bare ``Executor`` closure,
/// which cannot.
struct FeatureRunAttempts: Sendable {
    let executor: (any AttemptExecutor)?
    let closure: Executor

    init(_ executor: any AttemptExecutor) {
        self.executor = executor
        closure = { try await executor($0, $1) }
    }

    init(_ closure: @escaping Executor) {
        executor = nil
        self.closure = closure
    }

    /// The command template, part of each workstream's definition in the history.
    var exec: String? { executor?.commands.template?.text }

    /// How a resume finds and stops the earlier run's attempts; `nil`: it cannot.
    func orphans(killRunning: Bool) -> OrphanHandling? {
        executor?.orphanHandling(killRunning: killRunning)
    }

    /// What became of an attempt an earlier run left in flight.
    var probe: @Sendable (InFlightRecord) -> OrphanFinding {
        guard let commands = executor?.commands else { return { _ in .unknown } }
        return { commands.probe($0) }
    }

    /// Those of `workstreams` with no command to run.
    func withoutCommand(_ workstreams: [Workstream]) -> [Workstream] {
        executor?.workstreamsWithoutCommand(workstreams) ?? []
    }

    /// The attempts of an earlier run still running that this run waits for: those in `graph`.
    func adopt(_ records: [InFlightRecord], in graph: WorkstreamGraph) -> [AdoptedAttempt] {
        guard let executor else { return [] }
        return records.compactMap { record in
            graph.node(record.id).map { executor.adopt(record, of: graph.workstreams[$0], now: Date()) }
        }
    }

    /// The closure the dispatcher calls; a ``CommandExecutor`` also records each child it starts
    /// in `store`, so that a resume can find it, and a ``RemoteExecutor`` each job id.
    func recordingSpawns(in store: CheckpointStore) -> Executor {
        if let remote = executor as? RemoteExecutor {
            let journaled = remote.journaling(to: store)
            return { try await journaled($0, $1) }
        }
        guard var local = executor as? CommandExecutor else { return closure }
        let earlier = local.onSpawn
        local.onSpawn = { id, attempt, child in
            earlier?(id, attempt, child)
            store.processStarted(id: id, attempt: attempt, pid: child.pid, startTime: child.startTime)
        }
        return { [local] in try await local($0, $1) }
    }

    /// What opens a workstream's log while the attempts it waits on run: a ``CommandExecutor``
    /// (its copies share what it prepared); `nil` for other executors.
    var preparer: (any LaunchPreparer)? { executor as? CommandExecutor }

    /// Ends what the attempts' commands started outside their process groups (when this
    /// process is a ``Subreaper``: the CLI): after their grace, at once once the kill switch is
    /// thrown.
    func endEscapees() {
        guard let executor, Subreaper.isActive else { return }
        Subreaper.endAll(grace: KillSwitch.current?.isThrown == true ? .zero : executor.commands.terminationGrace)
    }
}
