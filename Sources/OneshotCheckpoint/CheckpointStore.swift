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
/// A batch costs one small append and one `fsync` of the journal, whatever the size of the graph.
/// When the journal grows past the snapshot's size it is folded: a new snapshot is written
/// atomically (temporary file, fsync, rename, fsync of the folder) and the journal starts over.
/// Attempts being launched are appended without an fsync. Every state on disk loads after a kill
/// at any instant: lines carry sequence numbers and the snapshot the last one it folded in.
///
/// A write that fails is reported as a warning, and the next batch writes a whole new snapshot
/// instead (a file whose fsync failed is never fsynced again); a strict store stops the run.
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
    }

    /// The files.
    public let paths: CheckpointPaths
    /// Whether a failed write stops the run (`--strict-checkpoint`).
    public let strict: Bool
    private let graph: WorkstreamGraph
    private let fingerprint: String
    private let definitions: [String: String]
    private let writer: AtomicFile
    private let journal: JournalFile
    private let shared: Mutex<Shared>
    private let queue = DispatchQueue(label: "oneshot.checkpoint")
    /// The journal is folded once it outgrows the snapshot, but not below this size.
    private let minimumFoldBytes = 64 * 1024

    init(
        paths: CheckpointPaths, graph: WorkstreamGraph, state: CheckpointState, seq: Int, fileSystem: any FileSystem, strict: Bool
    ) {
        self.paths = paths
        self.graph = graph
        self.strict = strict
        fingerprint = DefinitionHash.of(feature: graph.workstreams)
        definitions = Dictionary(uniqueKeysWithValues: graph.workstreams.map { ($0.id, DefinitionHash.of($0)) })
        writer = AtomicFile(fileSystem: fileSystem)
        journal = JournalFile(path: paths.journal, fileSystem: fileSystem)
        shared = Mutex(Shared(state: state, seq: seq))
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
                featureID: paths.featureID, graph: graph, fingerprint: fingerprint, journalSeq: $0.seq, now: Date())
        }
    }

    /// Appends the attempt to the journal before it is launched (no fsync: a write that reaches
    /// the kernel survives a crash of oneshot).
    public func attemptStarting(id: String, attempt: Int) {
        shared.withLock { shared in
            let now = Date()
            let record = InFlightRecord(id: id, attempt: attempt, startedAt: RFC3339.format(now), run: shared.state.runs)
            append(JournalLine(seq: 0, at: RFC3339.formatMilliseconds(now), started: record), &shared)
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

    /// Appends `entries` to the journal as one line, without an fsync: a kill of this process
    /// loses none of it; ``commit()`` makes it durable.
    public func record(_ entries: [JournalEntry]) {
        shared.withLock { shared in append(batch(entries, run: shared.state.runs), &shared) }
    }

    /// ``record(_:)`` then ``commit()``.
    public func commit(_ entries: [JournalEntry]) async -> JournalCommitResult {
        record(entries)
        return await commit()
    }

    /// Fsyncs the journal, making every line recorded so far durable; folds the journal into a
    /// new snapshot instead when it has grown past the snapshot, or could not be written.
    public func commit() async -> JournalCommitResult {
        let (fd, mustFold) = shared.withLock { shared -> (Int32?, Bool) in
            let grown = shared.journalBytes > max(shared.snapshotBytes, minimumFoldBytes)
            return (shared.journalFD, shared.journalBroken || grown)
        }
        var syncFailure: SystemError?
        if !mustFold, let fd {
            syncFailure = await onQueue { () throws(SystemError) in try self.writer.fileSystem.fsync(fd, path: self.paths.journal)
            }
            if syncFailure != nil { shared.withLock { $0.journalBroken = true } }
        }
        var failure: SystemError?
        if mustFold || syncFailure != nil || fd == nil {
            // A snapshot holds everything: it stands in for a journal that could not be synced.
            failure = await onQueue { () throws(SystemError) in try self.fold() }
        }
        let appendFailure = shared.withLock { shared in
            defer { shared.appendFailure = nil }
            return shared.appendFailure
        }
        if let failure {
            return .failed(message: "checkpoint not saved: \(failure)", stopRun: strict)
        }
        if let problem = syncFailure ?? appendFailure {
            return .failed(
                message: "checkpoint journal not written: \(problem); a full snapshot was written instead", stopRun: false)
        }
        return .durable
    }

    /// Writes the snapshot now and starts the journal over (at the start and the end of a run).
    public func save() throws(SystemError) {
        try fold()
    }

    /// After a run in which every workstream completed: removes the checkpoint, the journal and
    /// any temporary file, then fsyncs the folder. The lock file stays.
    public func removeAll() throws(SystemError) {
        shared.withLock { shared in
            if let fd = shared.journalFD { writer.fileSystem.close(fd) }
            shared.journalFD = nil
        }
        try writer.fileSystem.unlink(paths.journal)
        writer.removeOrphanedTemporaries(of: paths.checkpoint)
        try writer.remove(paths.checkpoint)
    }

    /// Writes a snapshot of everything so far, then empties the journal. Holds the lock: no line
    /// may be appended between the snapshot and the reset.
    private func fold() throws(SystemError) {
        try shared.withLock { (shared) throws(SystemError) in
            let bytes = shared.state.encodedCheckpoint(
                featureID: paths.featureID, graph: graph, fingerprint: fingerprint, journalSeq: shared.seq, now: Date()
            )
            try writer.write(bytes, to: paths.checkpoint)
            shared.snapshotBytes = bytes.count
            shared.journalBytes = 0
            // Lines up to `seq` are in the snapshot, so a reset that does not reach the disk is
            // harmless: a reader skips them.
            if let fd = shared.journalFD, !shared.journalBroken,
                (try? writer.fileSystem.truncate(fd, length: 0, path: paths.journal)) != nil
            {
                return
            }
            if let fd = shared.journalFD { writer.fileSystem.close(fd) }
            shared.journalFD = nil
            shared.journalBroken = false
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
    private func append(_ line: JournalLine, _ shared: inout Shared) {
        var line = line
        shared.seq += 1
        line.seq = shared.seq
        shared.state.apply(line)
        guard !shared.journalBroken else { return }
        if shared.journalFD == nil {
            do {
                shared.journalFD = try journal.open()
            } catch {
                shared.appendFailure = error
                shared.journalBroken = true
                return
            }
        }
        guard let fd = shared.journalFD else { return }
        let bytes = line.encoded
        do {
            try writer.fileSystem.writeAll(fd, bytes, path: paths.journal)
            shared.journalBytes += bytes.count
        } catch {
            // A partial line is dropped by readers; the next fold replaces the journal.
            shared.appendFailure = error
            shared.journalBroken = true
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
