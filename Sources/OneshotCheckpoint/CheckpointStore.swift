import Dispatch
import Foundation
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotWorkstreams
import Synchronization

/// The dispatcher's ``RunJournal`` backed by the checkpoint file.
///
/// Each ``commit(_:)`` folds the batch into the run's state and replaces the snapshot atomically
/// (temporary file, fsync, rename, fsync of the folder); the dispatcher's group commit makes
/// that one durable write per batch. Attempts starting are appended to the in-flight log first.
/// A write that fails is reported as a warning and retried with the next batch from a fresh
/// temporary file, or stops the run when the store is strict.
public final class CheckpointStore: RunJournal, Sendable {
    private struct Shared {
        var state: CheckpointState
        var logFD: Int32?
        var logBytes = 0
        var logFailure: SystemError?
    }

    /// The files.
    public let paths: CheckpointPaths
    /// Whether a failed write stops the run (`--strict-checkpoint`).
    public let strict: Bool
    private let graph: WorkstreamGraph
    private let fingerprint: String
    private let definitions: [String: String]
    private let writer: AtomicFile
    private let shared: Mutex<Shared>
    private let queue = DispatchQueue(label: "oneshot.checkpoint")

    init(paths: CheckpointPaths, graph: WorkstreamGraph, state: CheckpointState, fileSystem: any FileSystem, strict: Bool) {
        self.paths = paths
        self.graph = graph
        self.strict = strict
        fingerprint = DefinitionHash.of(feature: graph.workstreams)
        definitions = Dictionary(uniqueKeysWithValues: graph.workstreams.map { ($0.id, DefinitionHash.of($0)) })
        writer = AtomicFile(fileSystem: fileSystem)
        shared = Mutex(Shared(state: state))
    }

    deinit {
        shared.withLock { shared in
            if let fd = shared.logFD { writer.fileSystem.close(fd) }
        }
    }

    /// The checkpoint as it would be written now.
    public var current: Checkpoint {
        shared.withLock { $0.state.checkpoint(featureID: paths.featureID, graph: graph, fingerprint: fingerprint, now: Date()) }
    }

    /// Records the attempt in the in-flight log before it is launched.
    public func attemptStarting(id: String, attempt: Int) {
        shared.withLock { shared in
            let record = shared.state.attemptStarting(id: id, attempt: attempt, now: Date())
            appendToLog(record, &shared)
        }
    }

    /// Records the process an attempt started, so that a resume after a crash can find it.
    public func processStarted(id: String, attempt: Int, pid: Int32) {
        let start = ProcessInspector.startTime(of: pid)
        shared.withLock { shared in
            guard var record = shared.state.inFlight[id], record.attempt == attempt else { return }
            record.pid = pid
            record.processStart = start
            shared.state.inFlight[id] = record
            appendToLog(record, &shared)
        }
    }

    /// Folds `entries` into the state and durably replaces the snapshot.
    public func commit(_ entries: [JournalEntry]) async -> JournalCommitResult {
        let (bytes, logMark) = shared.withLock { shared in
            let now = Date()
            for entry in entries { shared.state.apply(entry, definition: { self.definitions[$0] }, now: now) }
            let checkpoint = shared.state.checkpoint(featureID: paths.featureID, graph: graph, fingerprint: fingerprint, now: now)
            return (CheckpointCodec.encode(checkpoint), shared.logBytes)
        }
        let failure = await write(bytes)
        if let failure {
            return .failed(message: "checkpoint not saved: \(failure)", stopRun: strict)
        }
        let logFailure = shared.withLock { shared in
            defer { shared.logFailure = nil }
            return shared.logFailure
        }
        if let logFailure {
            // The snapshot just written holds the in-flight records the log missed.
            return .failed(message: "in-flight record not written: \(logFailure)", stopRun: strict)
        }
        // Nothing was appended since this snapshot was taken: the log holds nothing it lacks.
        shared.withLock { shared in
            if shared.logBytes == logMark, logMark > 0, let fd = shared.logFD,
                (try? writer.fileSystem.truncate(fd, length: 0, path: paths.inFlightLog)) != nil
            {
                shared.logBytes = 0
            }
        }
        return .durable
    }

    /// Writes the snapshot now (at the start and the end of a run).
    public func save() throws(SystemError) {
        let bytes = shared.withLock { shared in
            CheckpointCodec.encode(
                shared.state.checkpoint(featureID: paths.featureID, graph: graph, fingerprint: fingerprint, now: Date())
            )
        }
        try writer.write(bytes, to: paths.checkpoint)
    }

    /// After a run in which every workstream completed: removes the checkpoint, the in-flight log
    /// and any temporary file, then fsyncs the folder. The lock file stays.
    public func removeAll() throws(SystemError) {
        shared.withLock { shared in
            if let fd = shared.logFD { writer.fileSystem.close(fd) }
            shared.logFD = nil
        }
        try writer.fileSystem.unlink(paths.inFlightLog)
        writer.removeOrphanedTemporaries(of: paths.checkpoint)
        try writer.remove(paths.checkpoint)
    }

    private func write(_ bytes: [UInt8]) async -> SystemError? {
        let writer = self.writer
        let path = paths.checkpoint
        return await withCheckedContinuation { (continuation: CheckedContinuation<SystemError?, Never>) in
            queue.async {
                do throws(SystemError) {
                    try writer.write(bytes, to: path)
                    continuation.resume(returning: nil)
                } catch {
                    continuation.resume(returning: error)
                }
            }
        }
    }

    private func appendToLog(_ record: InFlightRecord, _ shared: inout Shared) {
        let log = InFlightLog(path: paths.inFlightLog, fileSystem: writer.fileSystem)
        if shared.logFD == nil {
            do {
                shared.logFD = try log.open()
            } catch {
                shared.logFailure = error
                return
            }
        }
        guard let fd = shared.logFD else { return }
        if let failure = log.append(record, to: fd) {
            shared.logFailure = failure
        } else {
            shared.logBytes += 1  // a change counter: only whether it moved matters
        }
    }
}
