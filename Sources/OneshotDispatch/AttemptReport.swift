/// One finished attempt, as reported in ``RunEvent/workstreamFinished(_:)`` and to a ``RunJournal``.
public struct AttemptReport: Sendable, Equatable {
    /// The workstream's id.
    public var id: String
    /// The attempt number, 1 for the first try.
    public var attempt: Int
    /// How it ended.
    public var status: AttemptStatus
    /// Its wall-clock duration.
    public var duration: Duration
    /// The executor's result, when it returned one.
    public var result: ExecutionResult?
    /// For a failure that will be retried, the delay before the retry; `nil` when final.
    public var retryIn: Duration?

    /// Creates a report.
    public init(
        id: String, attempt: Int, status: AttemptStatus, duration: Duration, result: ExecutionResult? = nil,
        retryIn: Duration? = nil
    ) {
        self.id = id
        self.attempt = attempt
        self.status = status
        self.duration = duration
        self.result = result
        self.retryIn = retryIn
    }
}
