import Foundation
import Oneshot
import OneshotSystem

/// `oneshot trace F052` and `oneshot report F052`: draw the run in progress or interrupted
/// (checkpoint and journal, read without the lock) or, with no checkpoint, the last successful
/// run's history. The drawing is the library's (`OneshotReport`); this picks the source and the
/// file.
struct PictureCommand {
    let arguments: PictureArguments
    let console: Console

    func execute() -> ExitCode {
        if let code = ProjectRoot.enter(arguments.projectRoot, reportingTo: console) { return code }
        let featureID = arguments.featureID
        let picture: RunPicture
        do {
            guard let loaded = try load() else {
                // As `oneshot F9` says: no folder is no feature (2), not one that never ran (5).
                if let missing = FeatureFiles.missingFolder(featureID) {
                    console.error(missing.description)
                    return ExitCode(missing)
                }
                console.error(
                    "no checkpoint and no history for \(featureID) (\(CheckpointPaths(featureID: featureID).checkpoint), \(RunHistory.path(featureID: featureID))): nothing to draw; run it first"
                )
                return .noCheckpoint
            }
            picture = loaded
        } catch {
            console.error(error.description)
            return ExitCode(error)
        }
        let output = arguments.output ?? (arguments.kind == .report ? PictureFile.reportPath(featureID) : "-")
        let text = arguments.kind == .trace ? PictureFile.trace(picture) : PictureFile.report(picture)
        if output == "-" {
            console.raw(text)
            return .success
        }
        // Only the default `.sdp/reports/F052.html` gets its folder made.
        if let problem = PictureFile.write(text, to: output, creatingFolder: arguments.output == nil) {
            // A file the user named: its path is the input at fault.
            let error = UsageError(problem)
            console.error(error.message)
            return ExitCode(error)
        }
        console.out("\(arguments.kind.rawValue): \(output)")
        return .success
    }

    /// The checkpoint's picture, else the history's; `nil` with neither.
    private func load() throws(CheckpointError) -> RunPicture? {
        let paths = CheckpointPaths(featureID: arguments.featureID)
        if let (checkpoint, notes) = try CheckpointReader.load(paths) {
            notes.forEach(console.warning)
            return RunPicture(checkpoint: checkpoint, runInProgress: FileLock.isHeld(paths.lock))
        }
        let (history, warning) = RunHistory.load(RunHistory.path(featureID: arguments.featureID), featureID: arguments.featureID)
        warning.map(console.warning)
        return history.map { RunPicture(history: $0, dependencies: dependencies()) }
    }

    /// Each workstream's dependencies from the feature's files, for the critical path (the
    /// history does not keep them); none when the files do not load.
    private func dependencies() -> [String: [String]] {
        var settings = RunArguments()
        guard (try? ConfigFile.apply(to: &settings)) != nil, let id = try? FeatureID(validating: arguments.featureID) else {
            return [:]
        }
        let layout: FeatureLoader.Layout =
            settings.featuresFolder.map { .tagged(root: $0) } ?? .folderPerFeature(root: "features")
        guard let feature = try? FeatureLoader(layout: layout).load(id) else { return [:] }
        return Dictionary(feature.workstreams.map { ($0.id, $0.dependencies) }, uniquingKeysWith: { first, _ in first })
    }
}
