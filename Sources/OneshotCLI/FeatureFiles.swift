import Foundation
import Oneshot

/// A feature's files as the read-only subcommands (`list`, `log`) see them: loaded from where a
/// run would load them (`features/<id>/`, or `features:` / `--features` of `.sdp/config.yml`).
struct FeatureFiles {
    let feature: Feature
    let graph: WorkstreamGraph
    /// The run settings of `.sdp/config.yml` (the `--exec` template decides what changed).
    let settings: RunArguments

    /// Loads `featureID`.
    ///
    /// - Throws: ``UsageError`` for a bad `.sdp/config.yml`, `InputError(s)` for bad files.
    static func load(_ featureID: String, featuresFolder: String?) throws -> FeatureFiles {
        var settings = RunArguments()
        if let featuresFolder {
            settings.featuresFolder = featuresFolder
            settings.sources["features"] = "--features"
        }
        try ConfigFile.apply(to: &settings)
        let id = try FeatureID(validating: featureID)
        let layout: FeatureLoader.Layout =
            settings.featuresFolder.map { .tagged(root: $0) } ?? .folderPerFeature(root: "features")
        let feature = try FeatureLoader(layout: layout).load(id)
        let graph = try WorkstreamGraph(feature.workstreams, satisfiedExternally: feature.satisfiedExternally)
        return FeatureFiles(feature: feature, graph: graph, settings: settings)
    }

    /// Why there is no feature `featureID` to run, as `oneshot F9` says it (`no such feature F9:
    /// folder features/F9 does not exist`), or `nil` when its folder is there: for the commands
    /// that find nothing recorded, to tell a feature that never ran (5) from no feature (2).
    static func missingFolder(_ featureID: String) -> InputError? {
        var settings = RunArguments()
        guard (try? ConfigFile.apply(to: &settings)) != nil, let id = try? FeatureID(validating: featureID) else { return nil }
        let layout: FeatureLoader.Layout =
            settings.featuresFolder.map { .tagged(root: $0) } ?? .folderPerFeature(root: "features")
        return FeatureLoader(layout: layout).missingFolder(id)
    }

    /// What the last successful run's record makes of the files now.
    func historyPlan(_ history: RunHistory) -> HistoryPlan {
        HistoryPlan.make(
            history: history, graph: graph, exec: settings.execTemplate,
            outputExists: { FileManager.default.fileExists(atPath: $0) })
    }
}
