import Dispatch
import Foundation
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotWorkstreams
import Synchronization

/// The dispatcher's ``RunJournal`` backed by the checkpoint: a snapshot in the seed's format and
/// an append-only journal beside it.
///
/// A batch is durable once its line is in the journal and the journal is fsynced (with its folder
/// when the file is new): a commit costs one small append and one `fsync`, whatever the size of
/// the graph, and that is all a dependent waits for. Snapshots are written behind, off that path:
/// up to 1,000 workstreams (or while the snapshot is under 256 KiB) after every batch, so a
/// reader of the seed's file sees the run as it is, at most `defaultSnapshotInterval` (50 ms)
/// after the previous snapshot and one fold's time late (about 1 ms at 100 workstreams, 3.5 ms at
/// 1,000); beyond, when the journal grows past the snapshot's size.
/// One fold runs at a time, on the store's queue: commits made while it runs only mark the
/// snapshot stale, and the next fold covers them all. A fold writes the snapshot atomically
/// (temporary file, fsync, rename, fsync of the folder), and the journal starts over. The state
/// is copied under the store's lock but encoded and written outside it, so that recording an
/// outcome or a launch never waits for a fold's disk writes (see `fold()` for why every state on
/// disk stays loadable). ``save()`` and ``removeAll()`` run on the same queue, after any fold
/// under way, and supersede one still waiting.
/// Attempts being launched are appended without an fsync. Every state on disk loads after a kill
/// at any instant: lines carry sequence numbers and the snapshot the last one it folded in.
///
/// A write that fails is reported as a warning (a background fold's by the next commit), and the
/// next batch writes a whole new snapshot instead (a file whose fsync failed is never fsynced
/// again); a strict store stops the run. A journal that cannot be trusted (an append or its
/// fsync failed) makes the commit write the snapshot itself before it returns.
/// When nothing can be written (a full disk), no start record is accepted — no attempt is
/// launched unrecorded — and the outcomes stay in the state until a commit writes them all in a
/// new snapshot (``JournalCommitResult/unwritten(message:)``).
public final class CheckpointStore: RunJournal, Sendable {
    private struct Shared {
        var state: CheckpointState
        var seq: Int
        var journalFD: Int32?
        var journalBytes = 0
        /// The `record(_:starting:)` calls made so far (``RunJournal/commitCountingRecords()``).
        var recordCalls = 0
        var snapshotBytes = 0
        /// Set when an append or fsync failed: the journal file is abandoned at the next fold.
        var journalBroken = false
        var appendFailure: SystemError?
        /// Why the journal is broken, for the start records refused until a snapshot replaces it.
        var brokenBy: SystemError?
        /// Whether a snapshot exists for the journal to be replayed onto.
        var snapshotOnDisk: Bool
        /// Whether ``CheckpointPaths/previousJournal`` may hold lines no snapshot on disk has.
        var previousOnDisk: Bool
        /// Whether the journal file was created since the last commit: the folder is fsynced
        /// with it, so that a power cut cannot take the file back with its synced lines.
        var journalCreated = false
        /// The number of the last line written to the journal file: a broken journal is removed
        /// by a fold only when its snapshot holds every line in it, some perhaps fsynced for a
        /// commit that returned.
        var journaledSeq = 0
        /// Set when a fold removed a broken journal while lines after its snapshot were in the
        /// state only: up to this number, only a snapshot can hold them.
        var unjournaledThrough: Int?
        /// The journal rotated away by a fold under way, until its snapshot is written: a commit
        /// fsyncs it too, since its lines may be the commit's.
        var rotated: RotatedJournal?
        /// Whether a commit since the last fold's copy of the state wants a snapshot.
        var snapshotStale = false
        /// Whether a background fold is queued and has not started yet.
        var foldQueued = false
        /// Why the last background fold failed, for the next commit to report.
        var backgroundFailure: SystemError?
        /// When the last fold (or `save()`) ended, on the monotonic clock: the next background
        /// fold waits until `snapshotInterval` after it.
        var lastFoldEnded: ContinuousClock.Instant?
        /// The times of the lines written, as text.
        var clock = JournalClock()
    }

    /// See `Shared.rotated`.
    private struct RotatedJournal {
        /// Open until the fold has fsynced and closed it.
        var fd: Int32?
        /// Why its fsync failed: its lines may not outlive a power cut.
        var failure: SystemError?
    }

    /// A fold's snapshot: the state copied under the lock (its collections are shared until the
    /// next line changes them), encoded and written outside it.
    private struct Fold {
        var state: CheckpointState
        var seq: Int
        var now: Date
        var monotonicNow: ContinuousClock.Instant
        /// Whether this fold rotated the journal (`Shared.rotated`), to fsync and close outside
        /// the lock.
        var rotated = false
    }

    /// The files.
    public let paths: CheckpointPaths
    /// Whether a failed write stops the run (`--strict-checkpoint`).
    public let strict: Bool
    private let graph: WorkstreamGraph
    private let fingerprint: String
    /// `paths.journal`, joined once: every line names it.
    private let journalPath: String
    private let writer: AtomicFile
    private let journal: JournalFile
    private let clock: CheckpointClock
    private let shared: Mutex<Shared>
    /// What the last snapshot encoded that the next can reuse. Taken by a fold before the state
    /// (and kept until its encoding is done), so that every state is encoded onto the
    /// fragments of the state before it, whatever order folds run in.
    private let fragments = Mutex(SnapshotFragments())
    /// Where folds, ``save()`` and ``removeAll()`` run, one at a time.
    private let queue = DispatchQueue(label: "oneshot.checkpoint")
    /// Where the journals are fsynced and closed, so that a commit's fsync never waits for a
    /// fold, and no journal is closed while it is being fsynced.
    private let syncQueue = DispatchQueue(label: "oneshot.checkpoint.sync")
    /// The journal is folded once it outgrows the snapshot, but not below this size.
    private let minimumFoldBytes = 64 * 1024
    /// Up to this many workstreams, or while the snapshot is smaller than
    /// ``everyBatchSnapshotBytes``, a snapshot is written in the background after every batch
    /// (coalesced while one is being written), so that a reader of the seed's file sees the run
    /// as it is; beyond, only when the journal has outgrown the snapshot. Either way the batch is
    /// durable, and its dependents go on, once the journal is fsynced.
    static let everyBatchWorkstreams = 1000
    /// See `everyBatchWorkstreams`.
    static let everyBatchSnapshotBytes = 256 * 1024
    /// The least time between the end of a fold and the start of the next background one: commits
    /// made meanwhile are covered by that next fold. A chain of quick workstreams commits every
    /// millisecond or two; rewriting the snapshot (a new file, its fsync, the folder's) for each
    /// would cost more CPU and disk than the workstreams themselves, while a reader of the file
    /// cannot tell 50 ms late from one fold late. Bounds the folds' share of a core to
    /// fold ÷ (fold + interval): at most 7 % at 1,000 workstreams (3.5 ms a fold).
    static let defaultSnapshotInterval = Duration.milliseconds(50)
    /// See `defaultSnapshotInterval`.
    let snapshotInterval: Duration

    init(
        paths: CheckpointPaths, graph: WorkstreamGraph, state: CheckpointState, seq: Int, fileSystem: any FileSystem,
        strict: Bool,
        clock: CheckpointClock = CheckpointClock(),
        snapshotInterval: Duration = CheckpointStore.defaultSnapshotInterval
    ) {
        self.paths = paths
        self.snapshotInterval = snapshotInterval
        self.graph = graph
        self.strict = strict
        fingerprint = DefinitionHash.of(feature: graph.workstreams)
        journalPath = paths.journal
        writer = AtomicFile(fileSystem: fileSystem)
        journal = JournalFile(path: paths.journal, fileSystem: fileSystem)
        self.clock = clock
        // When it cannot be told, no snapshot is assumed: the journal is then not trusted alone.
        let snapshotOnDisk = (try? fileSystem.exists(paths.checkpoint)) ?? false
        let previousOnDisk = (try? fileSystem.exists(paths.previousJournal)) ?? true
        // Room for every workstream's outcome: the tables do not grow, and copy themselves, as
        // the run records them (at 100,000 workstreams, 2 % of a durable run's time).
        var state = state
        state.records.reserveCapacity(graph.count)
        state.completed.reserveCapacity(graph.count)
        shared = Mutex(Shared(state: state, seq: seq, snapshotOnDisk: snapshotOnDisk, previousOnDisk: previousOnDisk))
    }

    deinit {
        shared.withLock { shared in
            if let fd = shared.journalFD { writer.fileSystem.close(fd) }
        }
    }

    /// The checkpoint as it would be written now.
    public var current: Checkpoint {
        shared.withLock {
            $0.state.checkpoint(
                featureID: paths.featureID, graph: graph, fingerprint: fingerprint, journalSeq: $0.seq, now: clock.wall(),
                monotonicNow: clock.monotonic())
        }
    }

    /// Appends the attempt to the journal before it is launched (no fsync: a write that reaches
    /// the kernel survives a crash of oneshot).
    ///
    /// - Throws: ``SystemError`` when the line could not be written, or the journal is broken by
    ///   an earlier failure and no snapshot has replaced it yet; the attempt is then not recorded
    ///   and must not be launched.
    public func attemptStarting(id: String, attempt: Int) throws(SystemError) {
        try shared.withLock { (shared) throws(SystemError) in
            if shared.journalBroken {
                throw shared.brokenBy ?? SystemError(call: "write", path: paths.journal, errno: EIO)
            }
            let before = shared.state.inFlight[id]
            let now = Date()
            let record = InFlightRecord(id: id, attempt: attempt, startedAt: RFC3339.format(now), run: shared.state.runs)
            if let failure = append(JournalLine(seq: 0, at: RFC3339.formatMilliseconds(now), started: record), &shared) {
                // Not launched, so not in flight: a later snapshot must not call it uncertain.
                shared.state.inFlight[id] = before
                throw failure
            }
        }
    }

    /// Records this run's `--deadline` in the timeline (``RunTimeline/Run/deadlineMS``), for the
    /// pictures of the run; written with the next snapshot.
    public func recordDeadline(_ deadline: Date) {
        shared.withLock { shared in
            guard let last = shared.state.timeline.runs.indices.last else { return }
            shared.state.timeline.runs[last].deadlineMS = EpochMilliseconds.of(deadline)
        }
    }

    /// Forgets the attempt in flight that did not start after all, so that the next snapshot does
    /// not call it uncertain. No line is written: until that snapshot, a resume sees an attempt
    /// without a process, uncertain — never run twice.
    public func attemptNotStarted(id: String, attempt: Int) {
        shared.withLock { shared in
            if let record = shared.state.inFlight[id], record.attempt == attempt, record.run == shared.state.runs {
                shared.state.inFlight[id] = nil
            }
        }
    }

    /// Records the process an attempt started (its pid and start time, as `ChildProcess` gives
    /// them, with this machine's boot id and host name), so that a resume after a crash can find
    /// it — and never mistakes a process of another boot or host for it.
    public func processStarted(id: String, attempt: Int, pid: Int32, startTime start: UInt64?) {
        shared.withLock { shared in
            guard var record = shared.state.inFlight[id], record.attempt == attempt else { return }
            record.pid = pid
            record.processStart = start
            record.bootID = Machine.bootID
            record.host = Machine.hostName
            record.pidNamespace = Machine.pidNamespace
            append(JournalLine(seq: 0, at: RFC3339.formatMilliseconds(Date()), started: record), &shared)
        }
    }

    /// Records the batch job an attempt was submitted as (`scheduler`'s id `jobID`), once the
    /// submission returned it: the journal then holds the intent (``attemptStarting(id:attempt:)``,
    /// written before submitting) and the job. A crash between the two leaves a record without
    /// the id, which a resume repairs by looking the job up by its name.
    public func jobSubmitted(id: String, attempt: Int, scheduler: String, jobID: String) {
        shared.withLock { shared in
            guard var record = shared.state.inFlight[id], record.attempt == attempt else { return }
            record.scheduler = scheduler
            record.jobID = jobID
            append(JournalLine(seq: 0, at: RFC3339.formatMilliseconds(Date()), started: record), &shared)
        }
    }

    /// Records that the attempt `record` describes, in flight when an earlier run died, did its
    /// work, as its workstream's `verify:` command said: completed by that attempt (no longer in
    /// flight), its time unknown (an earlier success's stays the known duration). Not fsynced:
    /// ``commit()`` does.
    public func attemptVerified(_ record: InFlightRecord) {
        shared.withLock { shared in
            let finished = FinishedAttempt(
                id: record.id, attempt: record.attempt, run: record.run ?? 0, status: AttemptStatus.succeeded.rawValue,
                final: true, durationMS: 0, exitCode: nil, costUSD: nil, definition: definition(of: record.id), verified: true)
            var line = JournalLine(seq: 0, at: RFC3339.formatMilliseconds(Date()))
            line.finished = [finished]
            _ = append(line, &shared)
            // A record of a run that did not number its runs (1.0) is not matched by the line.
            shared.state.inFlight[record.id] = nil
        }
    }

    /// Appends `entries` to the journal as one line, without an fsync: a kill of this process
    /// loses none of it; ``commit()`` makes it durable.
    public func record(_ entries: [JournalEntry]) {
        shared.withLock { shared in _ = append(batch(entries, run: shared.state.runs), &shared) }
    }

    /// ``record(_:)`` and ``attemptStarting(id:attempt:)`` for each of `attempts`, in one write:
    /// a loop turn's lines. The entries are in the state whatever happens.
    ///
    /// - Throws: ``SystemError`` when the lines could not be written, or the journal is broken by
    ///   an earlier failure and no snapshot has replaced it yet; none of `attempts` is then in
    ///   flight, and none may be launched.
    public func record(_ entries: [JournalEntry], starting attempts: [(id: String, attempt: Int)]) throws(SystemError) {
        try shared.withLock { (shared) throws(SystemError) in
            shared.recordCalls += 1
            shared.clock.advance(to: Date())
            let (launchedMS, at) = shared.clock.milliseconds
            var lines = entries.isEmpty ? [] : [batch(entries, run: shared.state.runs, at: at)]
            if shared.journalBroken && !attempts.isEmpty {
                append(lines, &shared)
                throw shared.brokenBy ?? SystemError(call: "write", path: paths.journal, errno: EIO)
            }
            let before = attempts.map { shared.state.inFlight[$0.id] }
            let startedAt = shared.clock.seconds.text
            for attempt in attempts {
                let record = InFlightRecord(
                    id: attempt.id, attempt: attempt.attempt, startedAt: startedAt, run: shared.state.runs)
                lines.append(JournalLine(seq: 0, at: at, started: record))
            }
            guard let failure = append(lines, launchedAtMS: launchedMS, &shared), !attempts.isEmpty else { return }
            // Not launched, so not in flight: a later snapshot must not call them uncertain.
            for (attempt, known) in zip(attempts, before) { shared.state.inFlight[attempt.id] = known }
            throw failure
        }
    }

    /// ``record(_:)`` then ``commit()``.
    public func commit(_ entries: [JournalEntry]) async -> JournalCommitResult {
        record(entries)
        return await commit()
    }

    /// Makes every line recorded so far durable: fsyncs the journal (and the one a fold under
    /// way rotated away), then has a snapshot written in the background after it (see
    /// `everyBatchWorkstreams`), or when the journal has grown past the snapshot. When the
    /// journal cannot be trusted, writes the snapshot itself before it returns.
    public func commit() async -> JournalCommitResult {
        await commitCountingRecords().result
    }

    /// ``commit()``, and through which `record(_:starting:)` call the record is durable: those
    /// whose lines were written when the journal's `fsync` began (`nil` when a snapshot was
    /// written instead, or nothing was made durable).
    public func commitCountingRecords() async -> (result: JournalCommitResult, recordsDurable: Int?) {
        // A background fold that failed before this commit is reported by it (its own fold's
        // failure, by the next).
        let (broken, foldFirst, earlier) = shared.withLock { shared in
            defer { shared.backgroundFailure = nil }
            return (shared.journalBroken, mustFoldNow(shared), shared.backgroundFailure)
        }
        var mustFold = foldFirst
        var syncFailure: SystemError?
        var synced: Int?
        if !mustFold {
            (syncFailure, synced) = await sync()
            // A snapshot holds everything: it stands in for a journal that could not be synced.
            mustFold = syncFailure != nil
        }
        var failure: SystemError?
        if mustFold {
            failure = await onQueue { () throws(SystemError) in try self.fold() }
        } else {
            scheduleFoldIfDue()
        }
        let appendFailure = shared.withLock { shared in
            defer { shared.appendFailure = nil }
            return shared.appendFailure
        }
        // A fold that failed may have broken the journal too (its rotated part not synced).
        let brokenNow = failure != nil && shared.withLock { $0.journalBroken && $0.snapshotOnDisk }
        let result = outcome(
            foldFailure: failure, journalFailure: syncFailure ?? appendFailure, broken: broken || brokenNow,
            folded: mustFold)
        guard result == .durable else {
            // This commit's own failure is reported; the earlier one waits for the next commit.
            if let earlier { shared.withLock { $0.backgroundFailure = $0.backgroundFailure ?? earlier } }
            return (result, nil)
        }
        guard let earlier else { return (.durable, mustFold ? nil : synced) }
        return (.failed(message: "checkpoint not saved: \(earlier)", stopRun: strict), nil)
    }

    /// Whether the commit must write the snapshot itself: the journals may not hold every line
    /// (one broken, dropped or never opened), or are not read without a snapshot.
    private func mustFoldNow(_ shared: Shared) -> Bool {
        shared.journalBroken || (shared.journalFD == nil && shared.rotated == nil) || shared.unjournaledThrough != nil
            || !shared.snapshotOnDisk
    }

    /// Marks the snapshot stale and queues a background fold unless one is queued already: a
    /// fold under way has copied the state before this commit, so the queued one covers it. The
    /// fold starts `snapshotInterval` after the last one ended at the earliest.
    private func scheduleFoldIfDue() {
        let queues = shared.withLock { shared -> Bool in
            let grown = shared.journalBytes > max(shared.snapshotBytes, minimumFoldBytes)
            guard snapshotsEveryBatch(shared) || grown else { return false }
            shared.snapshotStale = true
            guard !shared.foldQueued else { return false }
            shared.foldQueued = true
            return true
        }
        if queues { queue.async { self.foldWhenDue() } }
    }

    /// Folds if `snapshotInterval` has passed since the last fold ended, else comes back when it
    /// has. Runs on the queue, so after any fold under way: a commit during a fold waits the
    /// interval after that fold, instead of folding again as soon as it ends (at 1k workstreams,
    /// a snapshot every batch, two folds back to back at the start of every run).
    private func foldWhenDue() {
        let wait = shared.withLock { shared -> Duration in
            guard let ended = shared.lastFoldEnded else { return .zero }
            return snapshotInterval - (clock.monotonic() - ended)
        }
        guard wait <= .zero else {
            let (seconds, attoseconds) = min(wait, .seconds(60)).components
            let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
            queue.asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { self.foldWhenDue() }
            return
        }
        shared.withLock { $0.foldQueued = false }
        foldIfStale()
    }

    /// Writes a snapshot when a commit since the last one wants it; a failure is kept for the
    /// next commit to report. Runs on the queue.
    private func foldIfStale() {
        guard shared.withLock({ $0.snapshotStale }) else { return }
        do throws(SystemError) {
            try fold()
        } catch {
            shared.withLock { $0.backgroundFailure = error }
        }
    }

    /// Waits until a snapshot holding every batch committed so far is written, or has failed (the
    /// next commit reports it): the background folds are then idle until the next commit.
    public func waitForSnapshot() async {
        _ = await onQueue { () throws(SystemError) in self.foldIfStale() }
    }

    /// Waits until the work queued on the store's queue so far has run, without folding: a fold
    /// scheduled for later (`snapshotInterval`) is not queued yet. For tests.
    func drainQueue() {
        queue.sync {}
    }

    /// Fsyncs the journal as it is now, and the folder when the journal is new, and the journal
    /// a fold under way rotated away (a fold since the commit began may have taken the commit's
    /// lines with it). Runs on the sync queue, where the journals are closed.
    ///
    /// - Returns: the `record(_:starting:)` calls whose lines the fsync covers (written before it).
    private func syncJournal() throws(SystemError) -> Int {
        let (fd, created, broken, rotated, calls) = shared.withLock { shared in
            defer { shared.journalCreated = false }
            return (
                shared.journalFD, shared.journalCreated, shared.journalBroken ? shared.brokenBy : nil, shared.rotated,
                shared.recordCalls
            )
        }
        if let broken { throw broken }
        if let failure = rotated?.failure { throw failure }
        if let rotatedFD = rotated?.fd {
            do throws(SystemError) {
                try writer.fileSystem.fsync(rotatedFD, path: paths.previousJournal)
            } catch {
                // Never fsynced again: the fold that rotated it sees the failure.
                shared.withLock { $0.rotated?.failure = error }
                throw error
            }
        }
        guard let fd else { return calls }
        try writer.fileSystem.fsync(fd, path: paths.journal)
        if created { try writer.fileSystem.fsyncDirectory(paths.folder) }
        return calls
    }

    /// Fsyncs the journal (see `syncJournal()`); a failure breaks it (a file whose fsync failed is
    /// never fsynced again).
    ///
    /// - Returns: the failure, or the record calls made durable.
    private func sync() async -> (SystemError?, Int?) {
        let synced = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Int, SystemError>, Never>) in
            syncQueue.async {
                do throws(SystemError) {
                    continuation.resume(returning: .success(try self.syncJournal()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        switch synced {
        case .success(let calls):
            return (nil, calls)
        case .failure(let failure):
            shared.withLock {
                $0.journalBroken = true
                $0.brokenBy = failure
            }
            return (failure, nil)
        }
    }

    /// What a commit achieved. Nothing is written when the journal did not take the entries (it
    /// was broken, its fsync or an append failed) and no snapshot stood in for it.
    private func outcome(foldFailure: SystemError?, journalFailure: SystemError?, broken: Bool, folded: Bool)
        -> JournalCommitResult
    {
        if let foldFailure {
            guard broken || journalFailure != nil else {
                // The journal holds everything; only the snapshot is missing: a warning.
                return .failed(message: "checkpoint not saved: \(foldFailure)", stopRun: strict)
            }
            return strict
                ? .failed(message: "checkpoint not saved: \(foldFailure)", stopRun: true)
                : .unwritten(message: "checkpoint not written: \(foldFailure)")
        }
        guard let journalFailure else { return .durable }
        if folded {
            return .failed(
                message: "checkpoint journal not written: \(journalFailure); a full snapshot was written instead", stopRun: false)
        }
        // An append failed while this commit ran: the next commit writes a snapshot.
        return strict
            ? .failed(message: "checkpoint journal not written: \(journalFailure)", stopRun: true)
            : .unwritten(message: "checkpoint journal not written: \(journalFailure)")
    }

    /// Whether a snapshot is written after every batch: cheap enough for a small feature.
    private func snapshotsEveryBatch(_ shared: Shared) -> Bool {
        graph.count <= Self.everyBatchWorkstreams || shared.snapshotBytes < Self.everyBatchSnapshotBytes
    }

    /// Writes the snapshot now and starts the journal over (at the start and the end of a run).
    /// A background fold under way finishes first; one still queued then finds nothing to do.
    public func save() throws(SystemError) {
        try onQueueNow { () throws(SystemError) in try self.fold() }
    }

    /// After a run in which every workstream completed: removes the checkpoint, the journal and
    /// any temporary file, then fsyncs the folder. The lock file stays. Runs after a background
    /// fold under way, and makes one still queued do nothing, so that no snapshot comes back.
    public func removeAll() throws(SystemError) {
        try onQueueNow { () throws(SystemError) in try self.removeFiles() }
    }

    /// Runs `work` on the queue, after any fold under way, and waits for it.
    private func onQueueNow(_ work: () throws(SystemError) -> Void) throws(SystemError) {
        let failure = queue.sync { () -> SystemError? in
            do throws(SystemError) {
                try work()
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// ``removeAll()``, on the queue.
    ///
    /// The checkpoint goes first: the snapshot may lag the journal (``snapshotInterval``), and a
    /// crash after the journals went but before the snapshot did left that lagging snapshot alone
    /// for a resume to take as the whole story, running again what completed since the last fold.
    /// A journal without its snapshot is not read.
    private func removeFiles() throws(SystemError) {
        let fd = shared.withLock { shared in
            defer {
                shared.journalFD = nil
                shared.snapshotStale = false
            }
            return shared.journalFD
        }
        closeJournal(fd)
        try writer.remove(paths.checkpoint)
        try writer.removeOrphanedTemporaries(of: paths.checkpoint)
        try writer.fileSystem.unlink(paths.journal)
        try writer.fileSystem.unlink(paths.previousJournal)
    }

    /// Writes a snapshot of everything so far and starts the journal over. Runs on the queue, one
    /// fold at a time.
    ///
    /// Only copying the state and the journal's rotation hold the lock; the encoding and the disk
    /// writes do not, so lines are appended while the snapshot is written. Why every state on disk stays loadable
    /// (the reader replays the previous journal, then the journal, skipping the lines up to the
    /// snapshot's `journal_seq`), step by step, for a snapshot of the lines up to S:
    /// 1. Under the lock, copy the state up to S; rename the journal (lines up to S) to the
    ///    previous journal; later lines (after S) go to a new journal. Crash before the rename:
    ///    old snapshot + journal. After: old snapshot + previous journal + new journal, the
    ///    same lines in two files, in order.
    /// 2. Fsync the previous journal: its lines outlive a power cut should the snapshot fail.
    /// 3. Write the snapshot (temporary file, fsync, rename, fsync of the folder). Crash before
    ///    its rename: old snapshot + both journals, as after 1. After: new snapshot (S) + both
    ///    journals; the previous one's lines are all skipped.
    /// 4. Remove the previous journal. Crash after: new snapshot + new journal.
    /// No line is ever removed before a snapshot on disk holds it, so no record is lost, and no
    /// line is replayed twice: each is skipped once a snapshot's `journal_seq` covers it. The
    /// new journal's creation is made durable by the folder's fsync at its first commit.
    /// A previous journal still there (its snapshot failed) is never overwritten: the journal
    /// is then not rotated, and lines up to S stay in it, skipped by the reader.
    private func fold() throws(SystemError) {
        defer { shared.withLock { $0.lastFoldEnded = clock.monotonic() } }
        let (fold, written, rotatedFailure) = fragments.withLock {
            fragments -> (Fold, Result<Int, SystemError>, SystemError?) in
            let keeps = fragments.keeps(graph)
            let fold = shared.withLock { shared in
                let fold = prepareFold(&shared)
                // The changes from here on, for the next fold's fragments, if they are kept.
                shared.state.changes = keeps ? SnapshotChanges() : nil
                return fold
            }
            // Step 2 comes before the snapshot is written.
            let rotatedFailure = fold.rotated ? syncQueue.sync { syncRotated() } : nil
            let written = Result { () throws(SystemError) -> Int in
                guard keeps else { return try stream(fold, &fragments) }
                let bytes = fold.state.encodedCheckpoint(
                    featureID: paths.featureID, graph: graph, fingerprint: fingerprint, journalSeq: fold.seq, now: fold.now,
                    monotonicNow: fold.monotonicNow, reusing: &fragments)
                try writer.write(bytes, to: paths.checkpoint)
                return bytes.count
            }
            return (fold, written, rotatedFailure)
        }
        let bytes: Int
        do throws(SystemError) {
            bytes = try written.get()
        } catch {
            shared.withLock { shared in
                // Its lines are safe in the previous journal, or the journal is broken now.
                shared.rotated = nil
                // Without a snapshot on disk the journal is never replayed: it records nothing. A
                // previous journal not synced may lose its lines to a power cut: until a snapshot
                // holds them, nothing may be launched on the strength of the journal.
                if !shared.snapshotOnDisk || rotatedFailure != nil {
                    shared.journalBroken = true
                    shared.brokenBy = shared.snapshotOnDisk ? rotatedFailure : error
                }
            }
            throw error
        }
        // Everything in it is in the snapshot now; one left behind is skipped by its numbers,
        // and removed by the next fold.
        let removed = shared.withLock { $0.previousOnDisk } && (try? writer.fileSystem.unlink(paths.previousJournal)) != nil
        closeJournal(shared.withLock { finishFold(fold, bytes: bytes, previousRemoved: removed, &$0) })
    }

    /// Step 3 of `fold()` for a feature whose fragments are not kept (over 1,000 workstreams):
    /// the snapshot written to its temporary file as it is encoded, a megabyte at a time, never
    /// held whole (33 MB at 100,000 workstreams).
    ///
    /// - Returns: its size.
    private func stream(_ fold: Fold, _ fragments: inout SnapshotFragments) throws(SystemError) -> Int {
        var count = 0
        try writer.write(to: paths.checkpoint) { (fd, temporary) throws(SystemError) in
            let failure = FirstFailure()
            let fileSystem = writer.fileSystem
            count = fold.state.streamedCheckpoint(
                featureID: paths.featureID, graph: graph, fingerprint: fingerprint, journalSeq: fold.seq, now: fold.now,
                monotonicNow: fold.monotonicNow, reusing: &fragments
            ) { chunk in
                failure.attempt { () throws(SystemError) in try fileSystem.writeAll(fd, chunk, path: temporary) }
            }
            if let error = failure.error { throw error }
        }
        return count
    }

    /// Step 2 of `fold()`, on the sync queue: fsyncs and closes the rotated journal, unless a
    /// commit's fsync of it failed already.
    ///
    /// - Returns: why its lines may not outlive a power cut, if they may not.
    private func syncRotated() -> SystemError? {
        guard let rotated = shared.withLock({ $0.rotated }), let fd = rotated.fd else { return nil }
        var failure = rotated.failure
        if failure == nil {
            do throws(SystemError) {
                try writer.fileSystem.fsync(fd, path: paths.previousJournal)
            } catch {
                failure = error
            }
        }
        writer.fileSystem.close(fd)
        shared.withLock { $0.rotated = RotatedJournal(fd: nil, failure: failure) }
        return failure
    }

    /// Closes a journal on the sync queue, after any commit's fsync of it.
    private func closeJournal(_ fd: Int32?) {
        guard let fd else { return }
        syncQueue.sync { writer.fileSystem.close(fd) }
    }

    /// Step 1 of `fold()`, under the lock: the state to encode and the journal's rotation.
    private func prepareFold(_ shared: inout Shared) -> Fold {
        var fold = Fold(state: shared.state, seq: shared.seq, now: clock.wall(), monotonicNow: clock.monotonic())
        shared.snapshotStale = false
        // Rotated only once it outgrew the snapshot: below, its folded lines are cheaper to skip.
        let grown = shared.journalBytes > max(shared.snapshotBytes, minimumFoldBytes)
        guard grown, let fd = shared.journalFD, !shared.journalBroken, shared.snapshotOnDisk, !shared.previousOnDisk else {
            return fold
        }
        // A rename fails for the same reasons a write would: the journal then goes on as it is.
        guard (try? writer.fileSystem.rename(paths.journal, to: paths.previousJournal)) != nil else { return fold }
        fold.rotated = true
        shared.rotated = RotatedJournal(fd: fd)
        shared.journalFD = nil
        shared.journalBytes = 0
        shared.previousOnDisk = true
        return fold
    }

    /// After the snapshot is in place, under the lock: a broken journal whose lines it all holds,
    /// or one left from before the store opened it, is removed.
    ///
    /// - Returns: the removed journal's descriptor, to close on the sync queue.
    private func finishFold(_ fold: Fold, bytes: Int, previousRemoved: Bool, _ shared: inout Shared) -> Int32? {
        shared.snapshotOnDisk = true
        shared.snapshotBytes = bytes
        shared.rotated = nil
        if previousRemoved { shared.previousOnDisk = false }
        if let through = shared.unjournaledThrough, fold.seq >= through { shared.unjournaledThrough = nil }
        var closed: Int32?
        if shared.journalBroken && shared.journaledSeq <= fold.seq {
            // Lines after the snapshot did not reach the journal: they are in the state only,
            // until a snapshot holds them (the commits that follow them write one).
            if shared.seq > fold.seq { shared.unjournaledThrough = max(shared.unjournaledThrough ?? 0, shared.seq) }
            closed = shared.journalFD
            shared.journalFD = nil
            shared.journalBroken = false
            shared.brokenBy = nil
            shared.journalBytes = 0
            try? writer.fileSystem.unlink(paths.journal)
        } else if shared.journalFD == nil && !fold.rotated {
            // Not opened by this store: the last run's, folded in by this snapshot.
            shared.journalBytes = 0
            try? writer.fileSystem.unlink(paths.journal)
        }
        return closed
    }

    /// The definition hash a completion records (``DefinitionHash``), computed when a workstream
    /// completes rather than kept for every workstream (a dictionary of ~9 MB at 100k).
    private func definition(of id: String) -> String? {
        graph.node(id).map { DefinitionHash.of(graph.workstreams[$0]) }
    }

    private func batch(_ entries: [JournalEntry], run: Int, at: String? = nil) -> JournalLine {
        var line = JournalLine(seq: 0, at: at ?? RFC3339.formatMilliseconds(Date()))
        var finished: [FinishedAttempt] = []
        var skipped: [String: String] = [:]
        for entry in entries {
            switch entry {
            case let .attemptFinished(report, final):
                finished.append(
                    FinishedAttempt(
                        id: report.id, attempt: report.attempt, run: run, status: report.status.rawValue, final: final,
                        durationMS: report.duration.wholeMilliseconds,
                        exitCode: report.result?.exitCode, costUSD: report.result?.costUSD,
                        definition: report.status == .succeeded ? definition(of: report.id) : nil
                    ))
            case let .skipped(id, blockedBy):
                skipped[id] = blockedBy
            case .breaker(let saved):
                line.breaker = BreakerSnapshot(saved)
            }
        }
        line.finished = finished.isEmpty ? nil : finished
        line.skipped = skipped.isEmpty ? nil : skipped
        return line
    }

    /// Numbers the line, applies it to the state and appends it to the journal.
    ///
    /// - Returns: why the line did not reach the journal, if it did not. It is in the state all the
    ///   same, and in the next snapshot.
    @discardableResult
    private func append(_ line: JournalLine, _ shared: inout Shared) -> SystemError? {
        append([line], &shared)
    }

    /// Numbers the lines, applies them to the state and appends them to the journal in one write.
    ///
    /// - Returns: why the lines did not reach the journal, if they did not. They are in the state
    ///   all the same, and in the next snapshot.
    /// `launchedAtMS` is the time of the lines that record launches, when the caller has it in
    /// milliseconds (it is parsed from them otherwise).
    @discardableResult
    private func append(_ lines: [JournalLine], launchedAtMS: Int64? = nil, _ shared: inout Shared) -> SystemError? {
        guard !lines.isEmpty else { return nil }
        var encoder = JSONWriter(capacity: 224 * lines.count)
        for var line in lines {
            shared.seq += 1
            line.seq = shared.seq
            shared.state.apply(line, atMS: line.started == nil ? nil : launchedAtMS)
            if !shared.journalBroken { line.write(to: &encoder) }
        }
        guard !shared.journalBroken else { return shared.brokenBy }
        let bytes = encoder.bytes
        do throws(SystemError) {
            let fd: Int32
            if let open = shared.journalFD {
                fd = open
            } else {
                fd = try journal.open()
                shared.journalCreated = true
            }
            shared.journalFD = fd
            try writer.fileSystem.writeAll(fd, bytes, path: journalPath)
            shared.journalBytes += bytes.count
            shared.journaledSeq = shared.seq
            return nil
        } catch {
            // A partial line is dropped by readers; the next fold replaces the journal.
            shared.appendFailure = error
            shared.journalBroken = true
            shared.brokenBy = error
            return error
        }
    }

    /// Runs blocking file work off the cooperative pool, on `queue` (the store's, by default).
    private func onQueue(
        _ queue: DispatchQueue? = nil, _ work: @escaping @Sendable () throws(SystemError) -> Void
    ) async -> SystemError? {
        let queue = queue ?? self.queue
        return await withCheckedContinuation { (continuation: CheckedContinuation<SystemError?, Never>) in
            queue.async {
                do throws(SystemError) {
                    try work()
                    continuation.resume(returning: nil)
                } catch {
                    continuation.resume(returning: error)
                }
            }
        }
    }
}
