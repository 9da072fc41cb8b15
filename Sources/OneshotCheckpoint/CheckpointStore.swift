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
/// Up to 1,000 workstreams (or while the snapshot is under 256 KiB) every batch rewrites the
/// snapshot, so a reader of the seed's file sees the run as it is (about 1 ms at 100
/// workstreams, 3.5 ms at 1,000). Beyond, a batch costs one small append and one `fsync` of the
/// journal, whatever the size of the graph, and when the journal grows past the snapshot's size
/// it is folded. A snapshot is written atomically (temporary file, fsync, rename, fsync of the
/// folder) and the journal starts over. The state is copied under the store's lock but encoded
/// and written outside it, so that recording an outcome or a launch never waits for a fold's disk
/// writes (see `fold()` for why every state on disk stays loadable).
/// Attempts being launched are appended without an fsync. Every state on disk loads after a kill
/// at any instant: lines carry sequence numbers and the snapshot the last one it folded in.
///
/// A write that fails is reported as a warning, and the next batch writes a whole new snapshot
/// instead (a file whose fsync failed is never fsynced again); a strict store stops the run.
/// When nothing can be written (a full disk), no start record is accepted — no attempt is
/// launched unrecorded — and the outcomes stay in the state until a commit writes them all in a
/// new snapshot (``JournalCommitResult/unwritten(message:)``).
public final class CheckpointStore: RunJournal, Sendable {
    private struct Shared {
        var state: CheckpointState
        var seq: Int
        var journalFD: Int32?
        var journalBytes = 0
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
    }

    /// A fold's snapshot: the state copied under the lock (its collections are shared until the
    /// next line changes them), encoded and written outside it.
    private struct Fold {
        var state: CheckpointState
        var seq: Int
        var now: Date
        var monotonicNow: ContinuousClock.Instant
        /// The journal rotated away by this fold, to fsync and close outside the lock.
        var rotated: Int32?
    }

    /// The files.
    public let paths: CheckpointPaths
    /// Whether a failed write stops the run (`--strict-checkpoint`).
    public let strict: Bool
    private let graph: WorkstreamGraph
    private let fingerprint: String
    private let definitions: [String: String]
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
    private let queue = DispatchQueue(label: "oneshot.checkpoint")
    /// The journal is folded once it outgrows the snapshot, but not below this size.
    private let minimumFoldBytes = 64 * 1024
    /// Up to this many workstreams, or while the snapshot is smaller than
    /// ``everyBatchSnapshotBytes``, the snapshot is rewritten after every batch, so that a reader
    /// of the seed's file sees the run as it is; beyond, the journal carries the batches.
    static let everyBatchWorkstreams = 1000
    /// See `everyBatchWorkstreams`.
    static let everyBatchSnapshotBytes = 256 * 1024

    init(
        paths: CheckpointPaths, graph: WorkstreamGraph, state: CheckpointState, seq: Int, fileSystem: any FileSystem,
        strict: Bool,
        clock: CheckpointClock = CheckpointClock()
    ) {
        self.paths = paths
        self.graph = graph
        self.strict = strict
        fingerprint = DefinitionHash.of(feature: graph.workstreams)
        definitions = Dictionary(uniqueKeysWithValues: graph.workstreams.map { ($0.id, DefinitionHash.of($0)) })
        journalPath = paths.journal
        writer = AtomicFile(fileSystem: fileSystem)
        journal = JournalFile(path: paths.journal, fileSystem: fileSystem)
        self.clock = clock
        // When it cannot be told, no snapshot is assumed: the journal is then not trusted alone.
        let snapshotOnDisk = (try? fileSystem.exists(paths.checkpoint)) ?? false
        let previousOnDisk = (try? fileSystem.exists(paths.previousJournal)) ?? true
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
                final: true, durationMS: 0, exitCode: nil, costUSD: nil, definition: definitions[record.id], verified: true)
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

    /// ``record(_:)`` then ``commit()``.
    public func commit(_ entries: [JournalEntry]) async -> JournalCommitResult {
        record(entries)
        return await commit()
    }

    /// Makes every line recorded so far durable: rewrites the snapshot for a small feature (see
    /// `everyBatchWorkstreams`), else fsyncs the journal, folding it into a new snapshot when
    /// it has grown past the snapshot or could not be written.
    public func commit() async -> JournalCommitResult {
        let (fd, broken, grown, everyBatch) = shared.withLock { shared -> (Int32?, Bool, Bool, Bool) in
            (
                shared.journalFD, shared.journalBroken, shared.journalBytes > max(shared.snapshotBytes, minimumFoldBytes),
                snapshotsEveryBatch(shared)
            )
        }
        let mustFold = broken || grown
        var syncFailure: SystemError?
        var failure: SystemError?
        if !mustFold, fd != nil, everyBatch {
            // For a small feature the snapshot is rewritten after every batch, so that a reader
            // of the seed's file sees the run as it is. It holds every line of the journal, which
            // then starts over: the journal's fsync is needed only should that write fail (two
            // fsyncs per batch instead of three).
            failure = await onQueue { () throws(SystemError) in try self.fold() }
            if failure != nil { syncFailure = await sync() }
        } else {
            if !mustFold, fd != nil { syncFailure = await sync() }
            if mustFold || syncFailure != nil || fd == nil {
                // A snapshot holds everything: it stands in for a journal that could not be synced.
                failure = await onQueue { () throws(SystemError) in try self.fold() }
            }
        }
        let appendFailure = shared.withLock { shared in
            defer { shared.appendFailure = nil }
            return shared.appendFailure
        }
        let folded = mustFold || syncFailure != nil || fd == nil
        // A fold that failed may have broken the journal too (its rotated part not synced).
        let brokenNow = failure != nil && shared.withLock { $0.journalBroken && $0.snapshotOnDisk }
        return outcome(
            foldFailure: failure, journalFailure: syncFailure ?? appendFailure, broken: broken || brokenNow, folded: folded)
    }

    /// Fsyncs the journal as it is now (a fold since the commit began may have rotated the one
    /// it saw: that fold fsynced it), and the folder when the journal is new. Runs on the queue,
    /// where the folds run and close the journals.
    private func syncJournal() throws(SystemError) {
        let (fd, created, broken) = shared.withLock { shared in
            defer { shared.journalCreated = false }
            return (shared.journalFD, shared.journalCreated, shared.journalBroken ? shared.brokenBy : nil)
        }
        if let broken { throw broken }
        guard let fd else { return }
        try writer.fileSystem.fsync(fd, path: paths.journal)
        if created { try writer.fileSystem.fsyncDirectory(paths.folder) }
    }

    /// Fsyncs the journal (see `syncJournal()`); a failure breaks it (a file whose fsync failed is
    /// never fsynced again).
    private func sync() async -> SystemError? {
        let failure = await onQueue { () throws(SystemError) in try self.syncJournal() }
        if let failure {
            shared.withLock {
                $0.journalBroken = true
                $0.brokenBy = failure
            }
        }
        return failure
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

    /// Whether the seed's file is rewritten after every batch: cheap enough for a small feature.
    private func snapshotsEveryBatch(_ shared: Shared) -> Bool {
        graph.count <= Self.everyBatchWorkstreams || shared.snapshotBytes < Self.everyBatchSnapshotBytes
    }

    /// Writes the snapshot now and starts the journal over (at the start and the end of a run).
    public func save() throws(SystemError) {
        let result = queue.sync { () -> SystemError? in
            do throws(SystemError) {
                try fold()
                return nil
            } catch {
                return error
            }
        }
        if let result { throw result }
    }

    /// After a run in which every workstream completed: removes the checkpoint, the journal and
    /// any temporary file, then fsyncs the folder. The lock file stays.
    public func removeAll() throws(SystemError) {
        shared.withLock { shared in
            if let fd = shared.journalFD { writer.fileSystem.close(fd) }
            shared.journalFD = nil
        }
        try writer.fileSystem.unlink(paths.journal)
        try writer.fileSystem.unlink(paths.previousJournal)
        try writer.removeOrphanedTemporaries(of: paths.checkpoint)
        try writer.remove(paths.checkpoint)
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
        let (fold, bytes) = fragments.withLock { fragments in
            let keeps = fragments.keeps(graph)
            let fold = shared.withLock { shared in
                let fold = prepareFold(&shared)
                // The changes from here on, for the next fold's fragments, if they are kept.
                shared.state.changes = keeps ? SnapshotChanges() : nil
                return fold
            }
            let bytes = fold.state.encodedCheckpoint(
                featureID: paths.featureID, graph: graph, fingerprint: fingerprint, journalSeq: fold.seq, now: fold.now,
                monotonicNow: fold.monotonicNow, reusing: &fragments)
            return (fold, bytes)
        }
        var rotatedFailure: SystemError?
        if let fd = fold.rotated {
            do throws(SystemError) {
                try writer.fileSystem.fsync(fd, path: paths.previousJournal)
            } catch {
                rotatedFailure = error
            }
            writer.fileSystem.close(fd)
        }
        do throws(SystemError) {
            try writer.write(bytes, to: paths.checkpoint)
        } catch {
            shared.withLock { shared in
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
        shared.withLock { finishFold(fold, bytes: bytes.count, previousRemoved: removed, &$0) }
    }

    /// Step 1 of `fold()`, under the lock: the state to encode and the journal's rotation.
    private func prepareFold(_ shared: inout Shared) -> Fold {
        var fold = Fold(state: shared.state, seq: shared.seq, now: clock.wall(), monotonicNow: clock.monotonic())
        // Rotated only once it outgrew the snapshot: below, its folded lines are cheaper to skip.
        let grown = shared.journalBytes > max(shared.snapshotBytes, minimumFoldBytes)
        guard grown, let fd = shared.journalFD, !shared.journalBroken, shared.snapshotOnDisk, !shared.previousOnDisk else {
            return fold
        }
        // A rename fails for the same reasons a write would: the journal then goes on as it is.
        guard (try? writer.fileSystem.rename(paths.journal, to: paths.previousJournal)) != nil else { return fold }
        fold.rotated = fd
        shared.journalFD = nil
        shared.journalBytes = 0
        shared.previousOnDisk = true
        return fold
    }

    /// After the snapshot is in place, under the lock: a broken journal, or one left from before
    /// the store opened it, is removed; the lines up to the snapshot are all in it.
    private func finishFold(_ fold: Fold, bytes: Int, previousRemoved: Bool, _ shared: inout Shared) {
        shared.snapshotOnDisk = true
        shared.snapshotBytes = bytes
        if previousRemoved { shared.previousOnDisk = false }
        if shared.journalBroken {
            // Lines after the snapshot did not reach it: they are in the state, and the commit
            // that follows them writes a snapshot (its journal is gone).
            if let fd = shared.journalFD { writer.fileSystem.close(fd) }
            shared.journalFD = nil
            shared.journalBroken = false
            shared.brokenBy = nil
            shared.journalBytes = 0
            try? writer.fileSystem.unlink(paths.journal)
        } else if shared.journalFD == nil && fold.rotated == nil {
            // Not opened by this store: the last run's, folded in by this snapshot.
            shared.journalBytes = 0
            try? writer.fileSystem.unlink(paths.journal)
        }
    }

    private func batch(_ entries: [JournalEntry], run: Int) -> JournalLine {
        var line = JournalLine(seq: 0, at: RFC3339.formatMilliseconds(Date()))
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
                        definition: report.status == .succeeded ? definitions[report.id] : nil
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
        var line = line
        shared.seq += 1
        line.seq = shared.seq
        shared.state.apply(line)
        guard !shared.journalBroken else { return shared.brokenBy }
        do throws(SystemError) {
            let fd: Int32
            if let open = shared.journalFD {
                fd = open
            } else {
                fd = try journal.open()
                shared.journalCreated = true
            }
            shared.journalFD = fd
            let bytes = line.encoded
            try writer.fileSystem.writeAll(fd, bytes, path: journalPath)
            shared.journalBytes += bytes.count
            return nil
        } catch {
            // A partial line is dropped by readers; the next fold replaces the journal.
            shared.appendFailure = error
            shared.journalBroken = true
            shared.brokenBy = error
            return error
        }
    }

    /// Runs blocking file work off the cooperative pool.
    private func onQueue(_ work: @escaping @Sendable () throws(SystemError) -> Void) async -> SystemError? {
        await withCheckedContinuation { (continuation: CheckedContinuation<SystemError?, Never>) in
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
