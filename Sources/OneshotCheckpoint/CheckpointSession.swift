import Foundation
import OneshotGraph
import OneshotSystem
import OneshotWorkstreams
import Synchronization

/// A run's hold on its feature's checkpoint: the lock, what the earlier run left (the
/// ``ResumePlan``), and the ``CheckpointStore`` that records this run.
///
/// ```swift
/// let paths = CheckpointPaths(folder: "\(projectRoot)/.sdp/checkpoints", featureID: "F052")
/// let session = try CheckpointSession.open(graph: graph, paths: paths)
/// let options = DispatchOptions(alreadyCompleted: session.plan.completed, held: session.plan.held)
/// let report = await Dispatcher(graph: graph, options: options, journal: session.store).run(executor: build)
/// try session.finish(allDone: report.status == .succeeded)
/// ```
public final class CheckpointSession: Sendable {
    /// Why a session could not be opened.
    public enum Failure: Error, Sendable, CustomStringConvertible {
        /// Another run holds the lock.
        case locked(FileLock.Failure)
        /// The checkpoint folder or file cannot be used (not a folder, no permission, read-only).
        case unusable(SystemError)

        /// One line naming the path at fault.
        public var description: String {
            switch self {
            case .locked(let failure): failure.description
            case .unusable(let error): "checkpoint folder unusable: \(error)"
            }
        }
    }

    /// The lock, held until the session is released.
    public let lock: FileLock
    /// What this run will do with the earlier run's work; settled further by
    /// ``settleVerifications(_:)``.
    public var plan: ResumePlan { settledPlan.withLock { $0 } }
    let settledPlan: Mutex<ResumePlan>
    /// The checkpoint as loaded, if there was one.
    public let previous: Checkpoint?
    /// Records this run.
    public let store: CheckpointStore
    /// Things the user should know: a corrupt checkpoint moved aside, orphaned temporary files.
    public let warnings: [String]

    private init(lock: FileLock, plan: ResumePlan, previous: Checkpoint?, store: CheckpointStore, warnings: [String]) {
        self.lock = lock
        settledPlan = Mutex(plan)
        self.previous = previous
        self.store = store
        self.warnings = warnings
    }

    /// Creates the folder, takes the lock, cleans up after a crashed writer, loads and validates
    /// the checkpoint (a corrupt one is moved aside, never deleted), reconciles it with the
    /// graph, and writes the first snapshot of this run.
    ///
    /// - Parameters:
    ///   - graph: the feature as its files are now.
    ///   - paths: where the checkpoint lives.
    ///   - fileSystem: the file system (tests inject failures).
    ///   - fresh: discard any checkpoint (`--fresh`).
    ///   - rerunUncertain: run non-idempotent uncertain workstreams again (`--rerun-uncertain`).
    ///   - strict: a failed write stops the run (`--strict-checkpoint`).
    ///   - outputExists: whether a declared output exists.
    ///   - orphans: how to find what became of the attempts the earlier run left in flight, and
    ///     how to stop them; `nil` treats every such attempt as UNCERTAIN and signals nothing.
    ///   - carried: with no checkpoint, workstreams up to date from the history
    ///     (``HistoryPlan/carried``): recorded completed from the start.
    ///   - settings: this run's settings, recorded in every snapshot for a resume.
    ///   - rerun: workstreams to run again even though they are done (`--rerun`, with everything
    ///     downstream): no longer recorded completed.
    /// - Throws: ``Failure``.
    public static func open(
        graph: WorkstreamGraph,
        paths: CheckpointPaths,
        fileSystem: any FileSystem = PosixFileSystem(),
        fresh: Bool = false,
        rerunUncertain: Bool = false,
        strict: Bool = false,
        outputExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) },
        orphans: OrphanHandling? = nil,
        carried: [String: WorkstreamRecord] = [:],
        settings: RecordedSettings? = nil,
        rerun: Set<String> = []
    ) throws(Failure) -> CheckpointSession {
        do {
            try fileSystem.makeDirectories(paths.folder)
        } catch {
            throw .unusable(error)
        }
        let lock: FileLock
        do {
            lock = try FileLock.acquire(paths.lock, fileSystem: fileSystem)
        } catch {
            if case .system(let systemError) = error { throw .unusable(systemError) }
            throw .locked(error)
        }
        var warnings: [String] = []
        let writer = AtomicFile(fileSystem: fileSystem)
        let temporaries: [String]
        do {
            temporaries = try writer.removeOrphanedTemporaries(of: paths.checkpoint)
        } catch {
            throw .unusable(error)
        }
        if !temporaries.isEmpty {
            warnings.append(
                "removed \(temporaries.count) temporary file(s) left by an interrupted write: \(temporaries.joined(separator: ", "))"
            )
        }
        if fresh {
            // The discarded run's attempts must not go on untracked.
            if let orphans, let discarded = CheckpointReader.loadOrSalvage(paths, fileSystem: fileSystem) {
                warnings += stop(discarded.inFlight ?? [], orphans, why: "--fresh discards the run that started it")
                // What an ended attempt left in its group (`(sleep 60 &)`) would otherwise run on
                // with no record of it left.
                warnings += sweep(discarded.inFlight ?? [], orphans)
            }
            do {
                try fileSystem.unlink(paths.checkpoint)
                try fileSystem.unlink(paths.journal)
                try fileSystem.unlink(paths.previousJournal)
            } catch {
                throw .unusable(error)
            }
        }
        let previous = try load(paths: paths, fileSystem: fileSystem, warnings: &warnings)
        if let orphans, let inFlight = previous?.inFlight {
            let removed = inFlight.filter { graph.node($0.id) == nil }
            warnings += stop(removed, orphans, why: "its workstream is no longer in the feature")
            if orphans.killRunning {
                warnings += stop(
                    inFlight.filter { graph.node($0.id) != nil }, orphans, why: "--kill-orphans stops such attempts")
            }
            warnings += sweep(inFlight, orphans)
        }
        let plan =
            previous.map {
                ResumePlan.make(
                    graph: graph, checkpoint: $0, rerunUncertain: rerunUncertain,
                    outputExists: outputExists, probe: orphans?.probe ?? { _ in .unknown }
                )
            }?.rerunning(rerun, graph: graph) ?? .fresh(graph, completed: Set(carried.keys).subtracting(rerun))
        var state = CheckpointState(plan: plan, previous: previous, startedAt: ContinuousClock.now)
        state.settings = settings
        if previous == nil { state.records.merge(carried) }
        for uncertain in plan.uncertain where !uncertain.willRerun {
            state.inFlight[uncertain.record.id] = uncertain.record  // still uncertain until the user decides
        }
        state.adopt(plan, definitions: graph)
        // An attempt that finished meanwhile is recorded, but does not keep a rerun done.
        state.completed.subtract(rerun)
        let store = CheckpointStore(
            paths: paths, graph: graph, state: state, seq: previous?.journalSeq ?? 0, fileSystem: fileSystem, strict: strict
        )
        do throws(SystemError) {
            // The first snapshot of this run folds in the old journal; the journal starts over.
            try store.save()
        } catch {
            if strict { throw .unusable(error) }
            warnings.append("checkpoint not saved: \(error); the run goes on and tries again after the next batch")
        }
        return CheckpointSession(lock: lock, plan: plan, previous: previous, store: store, warnings: warnings)
    }

    /// Ends the session: removes the checkpoint when every workstream is done, else writes the
    /// final snapshot for a later resume; then releases the lock.
    ///
    /// - Parameter allDone: whether the run completed every workstream.
    /// - Throws: ``SystemError`` when the final write or the removal fails.
    public func finish(allDone: Bool) throws(SystemError) {
        defer { lock.release() }
        if allDone {
            try store.removeAll()
        } else {
            try store.save()
        }
    }

    /// Terminates the attempts of `records` still running here; one warning each, with `why`.
    private static func stop(_ records: [InFlightRecord], _ orphans: OrphanHandling, why: String) -> [String] {
        records.compactMap { record in
            switch orphans.probe(record) {
            case .running(let pid):
                let how = orphans.terminate(record)
                return
                    "\(record.id): attempt \(record.attempt) from the earlier run was still running (pid \(pid)); stopped its process group with \(how) because \(why)"
            case .jobActive(let scheduler, let jobID):
                let how = orphans.terminate(record)
                return
                    "\(record.id): attempt \(record.attempt) from the earlier run was still queued or running (\(scheduler) job \(jobID)); cancelled it with \(how) because \(why)"
            default:
                return nil
            }
        }
    }

    /// Kills what is left of the groups of `records` whose leaders are gone; one warning each.
    private static func sweep(_ records: [InFlightRecord], _ orphans: OrphanHandling) -> [String] {
        records.compactMap { record in
            let killed = orphans.sweep(record)
            guard killed > 0 else { return nil }
            return
                "\(record.id): killed \(killed) process\(killed == 1 ? "" : "es") left in the group of attempt \(record.attempt) of the earlier run, whose leader had ended"
        }
    }

    private static func load(paths: CheckpointPaths, fileSystem: any FileSystem, warnings: inout [String]) throws(Failure)
        -> Checkpoint?
    {
        do {
            guard let (checkpoint, notes) = try CheckpointReader.load(paths, fileSystem: fileSystem) else { return nil }
            warnings.append(contentsOf: notes)
            return checkpoint
        } catch {
            // A file that cannot be read is not corrupt: stop with its error, move nothing aside.
            if let cause = error.cause { throw .unusable(cause) }
            do throws(SystemError) {
                return try moveAside(paths, fileSystem: fileSystem, error: error, warnings: &warnings)
            } catch let failure {
                throw .unusable(failure)
            }
        }
    }

    /// Moves a corrupt checkpoint and its journals aside (never deleted: a person may look at
    /// them) and returns what could be salvaged from them.
    private static func moveAside(
        _ paths: CheckpointPaths, fileSystem: any FileSystem, error: CheckpointError, warnings: inout [String]
    ) throws(SystemError) -> Checkpoint? {
        guard let bytes = try fileSystem.readFile(paths.checkpoint) else {
            throw SystemError(call: "open", path: paths.checkpoint, errno: ENOENT)
        }
        let journal = (try? CheckpointReader.journalLines(paths, fileSystem: fileSystem).lines) ?? []
        let destination = try paths.corruptDestination(fileSystem: fileSystem)
        try fileSystem.rename(paths.checkpoint, to: destination)
        if try fileSystem.exists(paths.previousJournal) {
            try fileSystem.rename(paths.previousJournal, to: destination + ".journal.old")
        }
        if try fileSystem.exists(paths.journal) {
            try fileSystem.rename(paths.journal, to: destination + ".journal")
        }
        let salvaged = CheckpointSalvage.recover(snapshot: bytes, journal: journal, featureID: paths.featureID, now: Date())
        warnings.append(salvageMessage(error, destination: destination, salvaged: salvaged?.checkpoint))
        return salvaged?.checkpoint
    }

    /// What was lost and what was kept, said plainly: starting from zero re-runs everything.
    private static func salvageMessage(_ error: CheckpointError, destination: String, salvaged: Checkpoint?) -> String {
        let moved = "checkpoint \(error.description); moved it to \(destination)"
        guard let salvaged, !(salvaged.completed.isEmpty && (salvaged.inFlight ?? []).isEmpty) else {
            return "\(moved); NOTHING of its progress could be read: STARTING FROM ZERO, every workstream runs again"
        }
        let running = (salvaged.inFlight ?? []).count
        return "\(moved); salvaged what could be read: \(salvaged.completed.count) completed"
            + (running > 0 ? ", \(running) running when it was written" : "") + "; the rest runs again"
    }
}
