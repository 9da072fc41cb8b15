/// How one attempt ended, as the dispatcher classifies it.
public enum AttemptStatus: String, Sendable, Codable {
    /// The executor reported success.
    case succeeded
    /// The executor reported failure or threw.
    case failed
    /// The attempt ran past its timeout and was cancelled.
    case timedOut = "timed_out"
    /// The run was interrupted while the attempt ran: it is to be run again, not a failure.
    case interrupted
    /// The attempt ended and how is not known (``OutcomeUnknown``): neither a success nor a
    /// failure; not retried, its dependents not run, and the next resume treats it as UNCERTAIN.
    case uncertain
}
