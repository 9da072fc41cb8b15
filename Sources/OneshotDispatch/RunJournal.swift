import OneshotBreaker

/// Where a run records its progress so that a later run can resume: the checkpoint.
///
/// Every outcome is written the moment it is known (``record(_:)``): a crash or kill of this
/// process then loses none of them. Making them durable against a power cut costs an `fsync`, so
/// the dispatcher asks for it (``commit()``) only when it matters — "persist before proceed": a
/// workstream never starts before its dependencies' completions are durable — and otherwise
/// gathers the outcomes of a short while into one commit (group commit, at most
/// ``DispatchOptions/commitDelay`` after the oldest).
public protocol RunJournal: Sendable {
    /// Records that an attempt is about to start. Called on the dispatcher's loop just before the
    /// launch: keep it short. It guards against a crash of this process, so it need not be
    /// durable against a power cut — a write that reaches the kernel is enough.
    ///
    /// No attempt is launched without its start record: when this throws, the workstream is not
    /// launched but made ready again, and no attempt starts until a later ``commit()`` returns
    /// something other than ``JournalCommitResult/unwritten(message:)``; the dispatcher retries
    /// the commit with a backoff (see ``DispatchOptions/checkpointGrace``). A journal that
    /// throws must write its pending records at that commit.
    ///
    /// - Throws: any error, when the record could not be written (a full disk); its description
    ///   is shown to the user.
    func attemptStarting(id: String, attempt: Int) throws

    /// The attempt whose start was recorded did not start after all: the executor threw an
    /// ``InfrastructureError`` before the workstream's work began. It is not in flight any more;
    /// the same attempt number is recorded as starting again when it is retried. Optional: the
    /// default does nothing.
    func attemptNotStarted(id: String, attempt: Int)

    /// Writes finished attempts, skipped workstreams and the breaker's state at once, without
    /// waiting for the disk. Called on the dispatcher's loop: keep it short.
    func record(_ entries: [JournalEntry])

    /// Writes `entries` as ``record(_:)`` does, then the start records of `attempts` as
    /// ``attemptStarting(id:attempt:)`` does, at once: the dispatcher's loop gives each turn's
    /// records in one call, so that a journal can write them in one system call. The entries
    /// are recorded whatever happens; when this throws, none of `attempts` is recorded as
    /// starting, and none is launched. The default records them one at a time.
    ///
    /// - Throws: as ``attemptStarting(id:attempt:)``.
    func record(_ entries: [JournalEntry], starting attempts: [(id: String, attempt: Int)]) throws

    /// Makes everything recorded so far durable. The dispatcher releases the dependents of the
    /// recorded completions only after this returns ``JournalCommitResult/durable``; one commit
    /// runs at a time.
    ///
    /// - Returns: whether the record is durable, and if not whether the run must stop.
    func commit() async -> JournalCommitResult

    /// ``commit()``, saying also through which of the dispatcher's ``record(_:starting:)`` calls
    /// (counted from 1 since the journal was opened) the record is durable: a commit's `fsync`
    /// covers every line written before it begins, including those of calls made after the
    /// commit was asked for. The dispatcher then releases the completions of those calls too,
    /// instead of committing again for them. Optional: the default returns `nil` (only what was
    /// recorded before the commit began counts as committed).
    func commitCountingRecords() async -> (result: JournalCommitResult, recordsDurable: Int?)
}

extension RunJournal {
    /// ``commit()``: no record call is known durable beyond those made before it began.
    public func commitCountingRecords() async -> (result: JournalCommitResult, recordsDurable: Int?) {
        (await commit(), nil)
    }

    /// Does nothing: a journal that keeps no state of attempts in flight needs no correction.
    public func attemptNotStarted(id: String, attempt: Int) {}

    /// ``record(_:)``, then ``attemptStarting(id:attempt:)`` for each attempt; when one throws,
    /// those recorded before it did not start after all (``attemptNotStarted(id:attempt:)``).
    public func record(_ entries: [JournalEntry], starting attempts: [(id: String, attempt: Int)]) throws {
        if !entries.isEmpty { record(entries) }
        for (index, start) in attempts.enumerated() {
            do {
                try attemptStarting(id: start.id, attempt: start.attempt)
            } catch {
                for earlier in attempts[..<index] { attemptNotStarted(id: earlier.id, attempt: earlier.attempt) }
                throw error
            }
        }
    }
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

/// The outcome of ``RunJournal/commit()``.
public enum JournalCommitResult: Sendable, Equatable {
    /// The entries are on disk.
    case durable
    /// They are not; `message` says why. With `stopRun`, no new attempt starts. Without it the
    /// record is as good as written (a snapshot stood in for the journal, or the journal holds
    /// what the snapshot could not): a warning.
    case failed(message: String, stopRun: Bool)
    /// Nothing could be written (a full disk): the entries stay with the journal, which writes
    /// them at a later commit. The dispatcher launches nothing, holds back the dependents of the
    /// unwritten completions, and retries the commit with a backoff until it succeeds or
    /// ``DispatchOptions/checkpointGrace`` has passed.
    case unwritten(message: String)
}
