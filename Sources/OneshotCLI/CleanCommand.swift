import Foundation
import Oneshot
import OneshotSystem

/// `oneshot clean F052`: removes what runs of the feature left — the checkpoint and its journal,
/// the history, the logs — or only the parts chosen. It takes the feature's lock for the time
/// it works (making the lock file if no run left one), so no run starts meanwhile, and refuses while a run holds it (exit 3) or while an
/// attempt a dead run left behind still runs (exit 3): its checkpoint is what tracks it, and its
/// log folder is where its shell leaves its exit status. A file or folder it cannot remove
/// stops it with one line naming that path (exit 6); what was removed before stays removed. It
/// removes nothing outside `.sdp` (see ``TreeRemoval``): a symlink is removed, not followed, and
/// a mount point under it is left in place with a warning naming it (exit 6). A tree of any depth
/// is removed with a bounded number of descriptors; a folder moved while it is removed (or one
/// above it) stops it with an error naming that folder (exit 6), at most a few entries (as many
/// as folders from `.sdp` down) removed where it went.
struct CleanCommand {
    let arguments: CleanArguments
    let console: Console
    /// Where it looks for the lock; removals go through ``TreeRemoval``.
    var fileSystem: any FileSystem = PosixFileSystem()

    func execute() -> ExitCode {
        if let code = ProjectRoot.enter(arguments.projectRoot, reportingTo: console) { return code }
        let paths = CheckpointPaths(featureID: arguments.featureID)
        // No run left anything here, and none is made: a project is not given a `.sdp` by clean.
        guard (try? fileSystem.exists(".sdp")) != false else {
            console.out("\(arguments.featureID): nothing to clean")
            return .success
        }
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

    /// The feature's lock, made if no run left one: a run starting while clean works must wait
    /// for it, or clean would remove the journal and logs that run has just begun. `nil` when
    /// the lock file cannot be made (`.sdp/checkpoints` a file, a read-only disk): no run can
    /// take it there either, so no run can start meanwhile.
    private func acquireLock(_ paths: CheckpointPaths) throws(FileLock.Failure) -> FileLock? {
        try? fileSystem.makeDirectories(paths.folder)
        do {
            return try FileLock.acquire(paths.lock, fileSystem: fileSystem)
        } catch {
            if case .held = error { throw error }
            guard (try? fileSystem.exists(paths.lock)) == false else { throw error }
            return nil
        }
    }

    /// The files and folders to remove, as chosen: each as its names under `.sdp`, so that
    /// ``TreeRemoval`` can walk to it without following a symlink or leaving `.sdp`.
    private func targets(_ paths: CheckpointPaths) throws(SystemError) -> [[[UInt8]]] {
        var targets: [[[UInt8]]] = []
        if arguments.removesAll || arguments.checkpoint {
            targets += [paths.checkpoint, paths.journal, paths.previousJournal].map(Self.names(under: ".sdp"))
            // Temporaries the atomic write left (`F052-checkpoint.json.tmp…`) and salvaged copies,
            // by the folder's bytes: a name that is not UTF-8 is removed all the same.
            let folder = Self.names(under: ".sdp")(paths.folder)
            let prefix = Array(((paths.checkpoint as NSString).lastPathComponent + ".").utf8)
            let names = try removal.names(in: folder).filter { $0.starts(with: prefix) }
            targets += names.sorted { $0.lexicographicallyPrecedes($1) }.map { folder + [$0] }
        }
        if arguments.removesAll || arguments.history {
            targets.append(Self.names(under: ".sdp")(RunHistory.path(featureID: arguments.featureID)))
        }
        if arguments.removesAll || arguments.logs { targets.append([Array("logs".utf8), Array(arguments.featureID.utf8)]) }
        return targets
    }

    /// What clean removes with: nothing outside `.sdp`.
    private var removal: TreeRemoval { TreeRemoval(root: ".sdp") }

    /// The names of `path` below `root` (`.sdp/history/F1.json` → `history`, `F1.json`).
    private static func names(under root: String) -> (String) -> [[UInt8]] {
        { path in
            let relative = path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
            return relative.split(separator: "/").map { Array($0.utf8) }
        }
    }

    private func remove(_ targets: [[[UInt8]]]) -> ExitCode {
        var removed: [String] = []
        var left: [TreeRemoval.Left] = []
        for target in targets {
            let path = ([removal.root] + target.map { ByteName.text($0) }).joined(separator: "/")
            do {
                switch try removal.remove(target) {
                case .absent: break
                case .removed: removed.append(path)
                // One line per mount point or symlink: a symlinked `.sdp/checkpoints` holds the
                // checkpoint, the journal and the temporaries alike.
                case .left(let kept): left += kept.filter { new in !left.contains { Self.sameCause($0, new) } }
                }
            } catch {
                removed.forEach { console.out("removed \($0)") }
                console.error("cannot remove \(path): \(error)")
                return ExitCode(error)
            }
        }
        removed.forEach { console.out("removed \($0)") }
        if removed.isEmpty && left.isEmpty { console.out("\(arguments.featureID): nothing to clean") }
        for kept in left {
            // A folder moved under the walk stopped it: an error, not what clean leaves by design.
            if case .moved = kept.reason { console.error(Self.message(kept)) } else { console.warning(Self.message(kept)) }
        }
        return left.isEmpty ? .success : .checkpointFailed
    }

    private static func sameCause(_ one: TreeRemoval.Left, _ other: TreeRemoval.Left) -> Bool {
        if case .symlink(let link) = one.reason, case .symlink(let otherLink) = other.reason { return link == otherLink }
        return one == other
    }

    /// `left .sdp/logs/F1/mnt in place: a mount point; clean removes nothing outside .sdp's own file system`.
    private static func message(_ left: TreeRemoval.Left) -> String {
        switch left.reason {
        case .mountPoint:
            "left \(left.path) in place: a mount point (another file system or a bind mount); clean removes nothing outside .sdp's own mount"
        case .symlink(let link):
            "left \(left.path) in place: \(link) is a symlink; clean removes the links it finds, never what they point to"
        case .moved(let folder):
            "left \(left.path) in place: \(folder) moved while clean removed it; clean stopped there rather than remove where it went"
        }
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
