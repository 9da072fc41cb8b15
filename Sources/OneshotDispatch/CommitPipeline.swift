import Foundation
import OneshotBreaker
import OneshotWorkstreams

/// The dispatcher's group commit as a pure state machine: what is recorded but not yet durable,
/// the one commit under way, the commit timer, and the retries while nothing can be written (a
/// full disk). Each event is a `mutating func` that returns what the ``DispatchLoop`` must do
/// (start a commit, arm a timer, release completions, retry, stop); the machine performs no
/// effects and reads no clock, so every transition is testable on its own.
///
/// The rules it keeps:
/// - One commit at a time. It starts as soon as something waits on it — a recorded completion
///   would make ready a workstream that outranks every ready one (`urgent`), or the run is
///   ending — and otherwise when the commit timer fires, `commitDelay` after the first outcome
///   left uncommitted.
/// - A completion's dependents are released only when its commit was written.
/// - While nothing can be written, only the retry timer starts a commit (250 ms doubling to
///   5 s), until a commit is written or `grace` has passed since the first failure: then the
///   run must stop.
struct CommitPipeline {
    /// The commit under way, if any.
    enum Commit: Equatable {
        case idle
        /// `released`: the completions it makes durable; `enables`: the best rank they make
        /// ready; `covering`: the workstreams whose outcomes it writes.
        case running(released: [Int], enables: Int?, covering: Set<String>)
    }

    /// The commit timer: none, running, or fired (the next commit is overdue).
    enum Timer: Equatable {
        case idle
        case armed
        case fired
    }

    /// Whether the journal can be written.
    enum Health: Equatable {
        case writable
        /// Nothing could be written since `since`; `retries` made.
        case unwritable(since: Date, retries: Int)
        /// Retrying is over (the grace period passed, or the run was cancelled): the run winds down.
        case givenUp
    }

    /// What the loop does at the end of a step.
    enum StepAction: Equatable {
        case none
        /// Start the commit timer; ``timerFired()`` when it fires.
        case armTimer(after: Duration)
        /// Record `breaker` (the breaker's latest state, if it changed) and start a commit;
        /// ``commitFinished(_:now:)`` when it returns.
        case startCommit(breaker: CircuitBreaker.Saved?)
    }

    /// What the loop does when nothing could be written.
    enum UnwritableAction: Equatable {
        /// Retrying is over already: nothing more to do.
        case none
        /// Report the failure (unwritten since `since`) and commit again after `after`; start
        /// the retry timer if `armTimer` (else one runs already), ``retryTimerFired(cancelled:)``
        /// when it fires.
        case retry(after: Duration, since: Date, armTimer: Bool)
        /// The grace period has passed: stop launching, let running attempts end.
        case stop
    }

    /// What the loop does when a commit returns.
    enum CommitFinishedAction: Equatable {
        /// The commit is as good as written: release these completions' dependents, and those of
        /// `covered`, recorded after the commit began but written before its `fsync`, which made
        /// them durable too (their commit had not begun: see ``commitFinished(_:now:durableThrough:)``).
        case release([Int], covered: [Int] = [])
        /// Nothing was written: the completions wait for a later commit.
        case unwritable(UnwritableAction)
    }

    let commitDelay: Duration
    let grace: Duration
    private(set) var commit = Commit.idle
    private(set) var timer = Timer.idle
    private(set) var health = Health.writable
    /// The retry timer runs, and has fired (the next commit is due whatever the health).
    private(set) var retryArmed = false
    private(set) var retryDue = false
    /// Whether the run must end as ``RunReport/Status/journalFailed``.
    private(set) var stopsRun = false
    /// Entries of the current step, written in one record at its end.
    private(set) var entries: [JournalEntry] = []
    /// Completions recorded but not yet committed.
    private(set) var completions: [Int] = []
    /// The journal's record call that writes each of `completions` (see ``flush(call:)``), for
    /// those flushed already: the first `completionCalls.count` of them.
    private var completionCalls: [Int] = []
    /// The record call of the last ``flush(call:)`` that returned entries.
    private var lastFlushedCall = 0
    /// The best rank those completions make ready, as of the last step.
    private var enables: Int?
    /// The breaker's latest state, when it changed since the last commit.
    private var breaker: CircuitBreaker.Saved?
    /// Whether anything recorded is not yet committed.
    private(set) var uncommitted = false
    /// Workstreams whose outcomes were recorded but are not yet known written.
    private(set) var unrecorded: Set<String> = []

    init(commitDelay: Duration, grace: Duration) {
        self.commitDelay = commitDelay
        self.grace = grace
    }

    /// Whether the run waits for the journal to become writable again: no attempt starts.
    var recovering: Bool {
        if case .unwritable = health { true } else { false }
    }

    /// Whether nothing is left to record, commit or retry.
    var isSettled: Bool {
        commit == .idle && !uncommitted && entries.isEmpty && breaker == nil && !recovering
    }

    /// The best rank a commit under way or waiting will make ready: a free slot waits for it
    /// rather than going to a less urgent workstream.
    var awaitedRank: Int? {
        let committing: Int? = if case .running(_, let enables, _) = commit { enables } else { nil }
        guard let committing else { return enables }
        return min(committing, enables ?? committing)
    }

    /// An entry to write at the end of the step.
    mutating func recorded(_ entry: JournalEntry) {
        entries.append(entry)
    }

    /// A recorded success: its dependents wait for its commit.
    mutating func completionRecorded(_ node: Int) {
        completions.append(node)
    }

    /// The breaker's state changed: only the latest goes into the next commit.
    mutating func breakerChanged(_ saved: CircuitBreaker.Saved) {
        breaker = saved
    }

    /// The step is over: the entries to write now in one record, if any. They are then
    /// uncommitted. `call` numbers the journal's record call that writes them (the loop's count
    /// of `record(_:starting:)` calls), matched against what a commit says it made durable.
    mutating func flush(call: Int = 0) -> [JournalEntry]? {
        guard !entries.isEmpty else { return nil }
        while completionCalls.count < completions.count { completionCalls.append(call) }
        lastFlushedCall = call
        for case .attemptFinished(let report, _) in entries { unrecorded.insert(report.id) }
        defer { entries = [] }
        uncommitted = true
        return entries
    }

    /// Decides at the end of a step whether to commit now, arm the timer, or wait.
    ///
    /// - Parameters:
    ///   - enables: the best rank the uncommitted completions would make ready, if any.
    ///   - urgent: whether that rank outranks every ready workstream.
    ///   - ending: whether the run launches nothing more (stopping, or idle).
    mutating func stepEnded(enables: Int?, urgent: Bool, ending: Bool) -> StepAction {
        self.enables = enables
        // While nothing can be written only the retry timer commits: no busy loop on a full disk.
        if recovering && !retryDue { return .none }
        guard commit == .idle, uncommitted || breaker != nil || retryDue else { return .none }
        guard urgent || timer == .fired || retryDue || ending else {
            guard timer == .idle else { return .none }
            timer = .armed
            return .armTimer(after: commitDelay)
        }
        let saved = breaker
        commit = .running(released: completions, enables: enables, covering: unrecorded)
        self.enables = nil
        completions = []
        completionCalls = []
        breaker = nil
        uncommitted = false
        if timer == .fired { timer = .idle }
        retryDue = false
        return .startCommit(breaker: saved)
    }

    /// The commit timer fired: the next commit is overdue.
    mutating func timerFired() {
        timer = .fired
    }

    /// The commit under way returned; `now` is the wall clock, for the grace period.
    ///
    /// `durableThrough`: the journal's record calls the commit made durable, when it says so
    /// (``RunJournal/commitCountingRecords()``). Its `fsync` covers every line written before it
    /// began, so completions recorded while the commit ran but written before its `fsync` are
    /// durable too: they are released with it (`covered`) instead of waiting for another
    /// commit — on a no-op layered graph, the other half of the commits.
    mutating func commitFinished(_ result: JournalCommitResult, now: Date, durableThrough: Int? = nil)
        -> CommitFinishedAction
    {
        guard case .running(let released, _, let covered) = commit else {
            preconditionFailure("Internal inconsistency: a commit finished while none was under way")
        }
        commit = .idle
        if case .unwritten = result {
            // Not durable: the dependents of these completions wait for a commit that is.
            completions = released + completions
            completionCalls = [Int](repeating: 0, count: released.count) + completionCalls
            return .unwritable(journalUnwritable(now: now))
        }
        unrecorded.subtract(covered)
        if recovering { health = .writable }
        if case .failed(_, true) = result { stopsRun = true }
        guard result == .durable, let durableThrough else { return .release(released) }
        return .release(released, covered: takeCovered(through: durableThrough))
    }

    /// The flushed completions that record calls up to `call` wrote: no longer uncommitted.
    private mutating func takeCovered(through call: Int) -> [Int] {
        // Calls only grow along `completionCalls`: the covered ones are its first.
        let count = completionCalls.prefix { $0 <= call }.count
        let covered = Array(completions.prefix(count))
        completions.removeFirst(count)
        completionCalls.removeFirst(count)
        if call >= lastFlushedCall && uncommitted {
            // Everything flushed is durable: only what is recorded from now on awaits a commit.
            uncommitted = false
            unrecorded = []
            if completions.isEmpty { enables = nil }
        }
        return covered
    }

    /// Nothing could be written to the journal (a commit, or an attempt's start record): retry
    /// with a backoff (250 ms doubling to 5 s) until a commit is written, or stop once `grace`
    /// has passed since the first failure.
    mutating func journalUnwritable(now: Date) -> UnwritableAction {
        let since: Date
        let retries: Int
        switch health {
        case .givenUp: return .none
        case .writable: (since, retries) = (now, 0)
        case .unwritable(let first, let made): (since, retries) = (first, made)
        }
        let left = grace.wholeMilliseconds - Int(now.timeIntervalSince(since) * 1000)
        guard left > 0 else {
            health = .givenUp
            stopsRun = true
            return .stop
        }
        let delay = Duration.milliseconds(min(left, 5_000, 250 << min(retries, 5)))
        health = .unwritable(since: since, retries: retries + 1)
        defer { retryArmed = true }
        return .retry(after: delay, since: since, armTimer: !retryArmed)
    }

    /// The retry timer fired, or was cancelled with the run: retrying is then over.
    mutating func retryTimerFired(cancelled: Bool) {
        retryArmed = false
        if cancelled {
            health = .givenUp
        } else {
            retryDue = true
        }
    }
}
