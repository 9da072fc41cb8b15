import Foundation

/// A batch system that runs oneshot's attempts as jobs elsewhere (Slurm; a harness's own
/// Kubernetes or cloud batch runner): the contract ``RemoteExecutor`` needs.
///
/// oneshot stays the coordinator — graph, breaker, checkpoint, resume — and asks the scheduler
/// only to start, look at and stop jobs. Every job has a deterministic name, so that a job
/// submitted just before oneshot died is found again by name. The job script writes the
/// attempt's exit status to a file on a shared file system as it exits; that file, not the
/// scheduler's accounting, decides the outcome.
public protocol JobScheduler: Sendable {
    /// A short name for messages and logs, e.g. "Slurm".
    var name: String { get }

    /// Submits `job`, detached: the job must outlive oneshot.
    ///
    /// - Returns: the scheduler's id of the job.
    /// - Throws: ``JobSchedulerError`` naming what the scheduler said.
    func submit(_ job: JobSubmission) async throws(JobSchedulerError) -> String

    /// The states of the jobs called `names`, in one query however many there are. A name
    /// missing from the answer is unknown (the scheduler may have forgotten a finished job),
    /// never failed.
    ///
    /// - Throws: ``JobSchedulerError`` when the scheduler cannot be asked.
    func states(of names: [String]) async throws(JobSchedulerError) -> [String: JobState]

    /// Cancels the jobs `ids` in one request: the jobs get a termination signal, then a kill
    /// after the scheduler's own grace. Idempotent: a job that already ended is not an error.
    ///
    /// - Throws: ``JobSchedulerError`` when the scheduler cannot be asked.
    func cancel(_ ids: [String]) async throws(JobSchedulerError)

    /// The states of every job of the user whose name starts with `prefix`, in one query,
    /// blocking the calling thread: a resume's look at all the attempts its dead predecessor
    /// left (a synchronous step of opening the checkpoint).
    ///
    /// - Throws: ``JobSchedulerError`` when the scheduler cannot be asked.
    func statesBlocking(namesStartingWith prefix: String) throws(JobSchedulerError) -> [String: JobState]

    /// ``statesBlocking(namesStartingWith:)`` without blocking: a run's one look, before its
    /// first submission, for jobs an earlier run left queued or running. The default runs the
    /// blocking query on a global dispatch queue.
    ///
    /// - Throws: ``JobSchedulerError`` when the scheduler cannot be asked.
    func states(namesStartingWith prefix: String) async throws(JobSchedulerError) -> [String: JobState]
}

extension JobScheduler {
    /// Runs ``statesBlocking(namesStartingWith:)`` off the cooperative pool.
    public func states(namesStartingWith prefix: String) async throws(JobSchedulerError) -> [String: JobState] {
        let answer = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    returning: Result { () throws(JobSchedulerError) in try statesBlocking(namesStartingWith: prefix) })
            }
        }
        return try answer.get()
    }
}

/// What a scheduler said when it refused or could not be asked.
public struct JobSchedulerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// One line: the command and its error, e.g. `sbatch: error: invalid partition specified: gpu`.
    public var description: String

    /// Creates an error.
    public init(_ description: String) {
        self.description = description
    }
}
