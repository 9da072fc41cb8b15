import Foundation
import Oneshot

/// `oneshot list`: the project's features with their state; `oneshot list F052`: a feature's
/// workstreams with their state, dependencies and title. Reads, never locks or writes.
struct ListCommand {
    let arguments: ListArguments
    let console: Console

    func execute() -> ExitCode {
        if let code = ProjectRoot.enter(arguments.projectRoot, reportingTo: console) { return code }
        guard let featureID = arguments.featureID else { return listFeatures() }
        let files: FeatureFiles
        do {
            files = try FeatureFiles.load(featureID, featuresFolder: arguments.featuresFolder)
        } catch {
            console.error(error)
            return ExitCode(error)
        }
        if arguments.idsOnly {
            files.graph.workstreams.map(\.id).sorted().forEach(console.out)
            return .success
        }
        let feature = FeatureState.read(featureID, files: files)
        let rows = WorkstreamRow.rows(of: files, featureID: featureID, running: feature.state == "running")
        if arguments.json {
            var object = feature.json
            object["feature_id"] = featureID
            object["workstreams"] = rows.map(\.json)
            console.out(Self.encode(object))
        } else {
            console.out("\(featureID): \(feature.text)")
            WorkstreamRow.table(rows).forEach(console.out)
        }
        return .success
    }

    /// Every feature: a folder under `features/`, or a checkpoint or a history in `.sdp`.
    private func listFeatures() -> ExitCode {
        let ids = Self.featureIDs()
        if arguments.idsOnly {
            ids.forEach(console.out)
            return .success
        }
        let states = ids.map { id in
            (
                id,
                FeatureState.read(
                    id, files: try? FeatureFiles.load(id, featuresFolder: arguments.featuresFolder))
            )
        }
        if arguments.json {
            let features = states.map { id, state -> [String: Any] in
                var object = state.json
                object["feature_id"] = id
                return object
            }
            console.out(Self.encode(["features": features]))
            return .success
        }
        guard !states.isEmpty else {
            console.out("no features: no folder under features/ and nothing under .sdp")
            return .success
        }
        let width = max(7, ids.map(\.count).max() ?? 0)
        let stateWidth = max(5, states.map(\.1.text.count).max() ?? 0)
        console.out("\("FEATURE".padding(to: width))  \("STATE".padding(to: stateWidth))  LAST SUCCESS")
        for (id, state) in states {
            console.out("\(id.padding(to: width))  \(state.text.padding(to: stateWidth))  \(state.lastRun ?? "-")")
            if let problem = state.problem { console.warning("\(id): \(problem)") }
        }
        return .success
    }

    /// The feature ids the project knows of, sorted.
    static func featureIDs() -> [String] {
        let manager = FileManager.default
        var ids = Set<String>()
        for name in (try? manager.contentsOfDirectory(atPath: "features")) ?? [] {
            var isFolder: ObjCBool = false
            if manager.fileExists(atPath: "features/\(name)", isDirectory: &isFolder), isFolder.boolValue { ids.insert(name) }
        }
        for name in (try? manager.contentsOfDirectory(atPath: CheckpointPaths(featureID: "").folder)) ?? [] {
            if name.hasSuffix("-checkpoint.json") { ids.insert(String(name.dropLast("-checkpoint.json".count))) }
        }
        for name in (try? manager.contentsOfDirectory(atPath: ".sdp/history")) ?? [] where name.hasSuffix(".json") {
            ids.insert(String(name.dropLast(".json".count)))
        }
        return ids.filter { (try? FeatureID(validating: $0)) != nil }.sorted()
    }

    static func encode(_ object: [String: Any]) -> String {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
