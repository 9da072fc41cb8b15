import Foundation
import OneshotCheckpoint
import OneshotDispatch
import OneshotWorkstreams

/// What the CLI needs of an executor beyond running an attempt (``Executor``): where an
/// attempt's log is, and how a resume finds, adopts or stops the attempts an earlier run left.
///
/// ``CommandExecutor`` (a local process per attempt) and ``RemoteExecutor`` (a job of a
/// ``JobScheduler`` per attempt) provide it; a harness may provide its own.
public protocol AttemptExecutor: Sendable {
    /// The local executor whose commands, environment and logs the attempts use: what a run
    /// checks before it starts (every workstream has a command).
    var commands: CommandExecutor { get }
    /// Runs one attempt; matches ``Executor``. Cancellation stops the attempt before returning.
    func callAsFunction(_ workstream: Workstream, _ attempt: Int) async throws -> ExecutionResult
    /// The path of `id`'s log.
    func logPath(for id: String) -> String
    /// Workstreams that have no command to run: a run must not start with any.
    func workstreamsWithoutCommand(_ workstreams: [Workstream]) -> [Workstream]
    /// How a resume deals with the attempts an earlier run left in flight.
    func orphanHandling(killRunning: Bool) -> OrphanHandling
    /// The attempt `record` of `workstream`, still running since an earlier run, as an attempt of
    /// this run.
    func adopt(_ record: InFlightRecord, of workstream: Workstream, now: Date) -> AdoptedAttempt
}

extension CommandExecutor: AttemptExecutor {
    /// Itself.
    public var commands: CommandExecutor { self }
}
