/// An attempt started by an earlier run that is still running when this run begins: the run
/// waits for it — counting it against the concurrency limit and its timeout — instead of
/// starting the workstream again.
///
/// An executor that can find such attempts (the CLI's shell commands, through the process and
/// the exit status each attempt leaves) builds them from a resume plan.
public struct AdoptedAttempt: Sendable {
    /// The workstream's id.
    public var id: String
    /// The attempt's number, as the earlier run counted it.
    public var attempt: Int
    /// How long it has run already: what is left of its timeout is the rest.
    public var runningFor: Duration
    /// Waits for the attempt to end and returns its outcome, like an ``Executor``. Cancelling
    /// the calling task (a timeout, an interrupted run) must stop the attempt. It throws
    /// ``OutcomeUnknown`` when the attempt ended without a known outcome: the attempt is then
    /// ``AttemptStatus/uncertain``, not failed.
    public var wait: @Sendable () async throws -> ExecutionResult

    /// Creates an adopted attempt.
    public init(
        id: String, attempt: Int, runningFor: Duration, wait: @escaping @Sendable () async throws -> ExecutionResult
    ) {
        self.id = id
        self.attempt = attempt
        self.runningFor = runningFor
        self.wait = wait
    }
}
