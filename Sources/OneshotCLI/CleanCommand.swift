import Foundation
import Oneshot
import OneshotSystem

/// `oneshot clean F052`: removes what runs of the feature left — the checkpoint and its journal,
/// the history, the logs — or only the parts chosen. It takes the feature's lock for the time
/// it works, so no run starts meanwhile, and refuses while a run holds it (exit 3) or while an
/// attempt a dead run left behind still runs (exit 3): its checkpoint is what tracks it, and its
/// log folder is where its shell leaves its exit status. A file or folder it cannot remove
/// stops it with one line naming that path (exit 6); what was removed before stays removed.
struct CleanCommand {
    let arguments: CleanArguments
    let console: Console
    /// Where it looks and removes: every listing and removal goes through it.
    var fileSystem: any FileSystem = PosixFileSystem()

    func execute() -> ExitCode {
        if let code = ProjectRoot.enter(arguments.projectRoot, reportingTo: console) { return code }
        let paths = CheckpointPaths(featureID: arguments.featureID)
        let lock: FileLock?
        do {
            lock = try acquireLock(paths)
        } catch {
            if case .held(_, let pid) = error {
                let holder = pid.map { " (pid \($0))" } ?? ""
                console.error(
                    "\(arguments.featureID) is running\(holder): \(paths.lock) is locked; stop the run or wait for it, then clean"
                )
            } else {
                console.error(error.description)
            }
            return ExitCode(error)
        }
        defer { lock?.release() }
        // The logs folder holds the exit file the attempt's shell writes as it ends: without it
        // the next run cannot learn the attempt's outcome, and holds `idempotent: false` work.
        if arguments.removesAll || arguments.checkpoint || arguments.logs, let orphan = liveOrphan(paths) {
            console.error(orphan)
            return .locked
        }
        do {
            return remove(try targets(paths))
        } catch {
            console.error("cannot list \(paths.folder): \(error)")
            return ExitCode(error)
        }
    }

    /// The feature's lock, or `nil` when there is no lock file: no run ever held one, and
    /// creating it here would leave a file behind.
    private func acquireLock(_ paths: CheckpointPaths) throws(FileLock.Failure) -> FileLock? {
        do {
            guard try fileSystem.exists(paths.lock) else { return nil }
        } catch {
            throw .system(error)
        }
        return try FileLock.acquire(paths.lock, fileSystem: fileSystem)
    }

    /// The files and folders to remove, as chosen.
    private func targets(_ paths: CheckpointPaths) throws(SystemError) -> [String] {
        var targets: [String] = []
        if arguments.removesAll || arguments.checkpoint {
            targets += [paths.checkpoint, paths.journal, paths.previousJournal]
            // Temporaries the atomic write left (`F052-checkpoint.json.tmp…`) and salvaged copies.
            let names = try fileSystem.fileType(paths.folder) == S_IFDIR ? try fileSystem.listDirectory(paths.folder) : []
            let prefix = (paths.checkpoint as NSString).lastPathComponent + "."
            targets += names.filter { $0.hasPrefix(prefix) }.sorted().map { "\(paths.folder)/\($0)" }
        }
        if arguments.removesAll || arguments.history { targets.append(RunHistory.path(featureID: arguments.featureID)) }
        if arguments.removesAll || arguments.logs { targets.append(".sdp/logs/\(arguments.featureID)") }
        return targets
    }

    private func remove(_ targets: [String]) -> ExitCode {
        var removed: [String] = []
        for target in targets {
            do {
                if try fileSystem.removeTree(target) { removed.append(target) }
            } catch {
                removed.forEach { console.out("removed \($0)") }
                console.error("cannot remove \(target): \(error)")
                return ExitCode(error)
            }
        }
        if removed.isEmpty {
            console.out("\(arguments.featureID): nothing to clean")
        } else {
            removed.forEach { console.out("removed \($0)") }
        }
        return .success
    }

    /// An attempt a dead run left running, named with its pid: removing the checkpoint would
    /// leave it untracked.
    private func liveOrphan(_ paths: CheckpointPaths) -> String? {
        // A damaged checkpoint still tracks its attempts: what can be salvaged of it is checked.
        guard let checkpoint = CheckpointReader.loadOrSalvage(paths) else { return nil }
        let status = CheckpointStatus(checkpoint: checkpoint)
        let inFlight = Set(status.rows.filter { $0.state == "uncertain" }.map(\.id))
        for record in checkpoint.inFlight ?? [] where inFlight.contains(record.id) {
            guard let pid = OrphanReaper.liveProcess(of: record) else { continue }
            return
                "\(record.id) still runs (pid \(pid)), started by a run of \(arguments.featureID) that stopped; its checkpoint tracks it: run 'oneshot \(arguments.featureID)' to wait for it (or with --kill-orphans to stop it), then clean"
        }
        return nil
    }
}
