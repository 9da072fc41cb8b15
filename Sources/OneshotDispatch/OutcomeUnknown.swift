/// An attempt ended and how cannot be known: an executor throws it for an attempt adopted from an
/// earlier run that left no exit status (killed by a signal, or its shell replaced by `exec`), or
/// for a batch job of an `idempotent: false` workstream that its scheduler stopped mid-run.
///
/// The dispatcher reports the attempt as ``AttemptStatus/uncertain``: not a failure, not retried,
/// and its dependents do not run. A journal keeps the attempt in flight, so the next resume treats
/// it as it treats any attempt of a run that died: UNCERTAIN — run again if the workstream is
/// idempotent, held if not, since it may have done its work.
public struct OutcomeUnknown: Error, Sendable, CustomStringConvertible {
    /// The workstream.
    public var id: String
    /// Why the outcome is unknown, when the executor knows more than that the exit status is
    /// missing (the scheduler cancelled the job).
    public var reason: String?

    /// Creates the error for workstream `id`.
    public init(id: String, reason: String? = nil) {
        self.id = id
        self.reason = reason
    }

    /// One line for the report.
    public var description: String {
        if let reason { return "\(id): outcome unknown: \(reason)" }
        return "\(id): the adopted attempt ended without leaving its exit status (killed, or replaced by exec): outcome unknown"
    }
}
