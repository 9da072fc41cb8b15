import OneshotBreaker

/// Where a run records its progress so that a later run can resume: the checkpoint.
///
/// The dispatcher follows "persist before proceed": a workstream does not start until the
/// journal has durably recorded its dependencies as completed. Completions that arrive while a
/// ``commit(_:)`` is under way are gathered into the next one (group commit), so a batch costs
/// one durable write however many workstreams finish together.
public protocol RunJournal: Sendable {
    /// Records that an attempt is about to start. Called on the dispatcher's loop just before the
    /// launch: keep it short. It guards against a crash of this process, so it need not be
    /// durable against a power cut — a write that reaches the kernel is enough.
    func attemptStarting(id: String, attempt: Int)

    /// Durably records finished attempts and skipped workstreams. The dispatcher releases the
    /// dependents of the completions in `entries` only after this returns.
    ///
    /// - Returns: whether the record is durable, and if not whether the run must stop.
    func commit(_ entries: [JournalEntry]) async -> JournalCommitResult
}

/// One fact a ``RunJournal`` records.
public enum JournalEntry: Sendable, Equatable {
    /// The breaker's state after an outcome or a transition.
    case breaker(CircuitBreaker.Saved)
    /// An attempt ended; `final` when no retry follows.
    case attemptFinished(AttemptReport, final: Bool)
    /// A workstream will not run because `blockedBy` failed.
    case skipped(id: String, blockedBy: String)
}

/// The outcome of ``RunJournal/commit(_:)``.
public enum JournalCommitResult: Sendable, Equatable {
    /// The entries are on disk.
    case durable
    /// They are not; `message` says why. With `stopRun`, no new attempt starts.
    case failed(message: String, stopRun: Bool)
}
