import Foundation
import Oneshot
import OneshotSystem

/// `oneshot clean F052`: removes what runs of the feature left — the checkpoint and its journal,
/// the history, the logs — or only the parts chosen. It takes the feature's lock for the time
/// it works, so no run starts meanwhile, and refuses while a run holds it (exit 3) or while an
/// attempt a dead run left behind still runs (exit 3): its checkpoint is what tracks it, and its
/// log folder is where its shell leaves its exit status.
struct CleanCommand {
    let arguments: CleanArguments
    let console: Console

    func execute() -> ExitCode {
        if let problem = ProjectRoot.enter(arguments.projectRoot) {
            console.error(problem)
            return .invalidInput
        }
        let paths = CheckpointPaths(featureID: arguments.featureID)
        let lock: FileLock?
        do {
            // No lock file: no run ever held one; creating it here would leave a file behind.
            lock = FileManager.default.fileExists(atPath: paths.lock) ? try FileLock.acquire(paths.lock) : nil
        } catch {
            if case .held(_, let pid) = error {
                let holder = pid.map { " (pid \($0))" } ?? ""
                console.error(
                    "\(arguments.featureID) is running\(holder): \(paths.lock) is locked; stop the run or wait for it, then clean"
                )
                return .locked
            }
            console.error(error.description)
            return .checkpointFailed
        }
        defer { lock?.release() }
        // The logs folder holds the exit file the attempt's shell writes as it ends: without it
        // the next run cannot learn the attempt's outcome, and holds `idempotent: false` work.
        if arguments.removesAll || arguments.checkpoint || arguments.logs, let orphan = liveOrphan(paths) {
            console.error(orphan)
            return .locked
        }
        return remove(targets(paths))
    }

    /// The files and folders to remove, as chosen.
    private func targets(_ paths: CheckpointPaths) -> [String] {
        var targets: [String] = []
        if arguments.removesAll || arguments.checkpoint {
            targets += [paths.checkpoint, paths.journal, paths.previousJournal]
            let names = (try? FileManager.default.contentsOfDirectory(atPath: paths.folder)) ?? []
            let prefix = (paths.checkpoint as NSString).lastPathComponent + "."
            targets += names.filter { $0.hasPrefix(prefix) }.sorted().map { "\(paths.folder)/\($0)" }
        }
        if arguments.removesAll || arguments.history { targets.append(RunHistory.path(featureID: arguments.featureID)) }
        if arguments.removesAll || arguments.logs { targets.append(".sdp/logs/\(arguments.featureID)") }
        return targets
    }

    private func remove(_ targets: [String]) -> ExitCode {
        var removed: [String] = []
        for target in targets where FileManager.default.fileExists(atPath: target) {
            do {
                try FileManager.default.removeItem(atPath: target)
                removed.append(target)
            } catch {
                console.error("cannot remove \(target): \(error.localizedDescription)")
                return .checkpointFailed
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
