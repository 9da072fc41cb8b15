import Foundation
import Oneshot
import OneshotSystem

/// `oneshot export F052 --format github-actions|gitlab-ci [-o FILE]`: the feature as a CI
/// pipeline whose jobs are its workstreams (``Pipeline``), checked before it is written.
struct ExportCommand {
    let arguments: ExportArguments
    let console: Console

    func execute() -> ExitCode {
        // `-o` names a path from where oneshot was started, not from `-C`.
        let output = arguments.output.map { path in
            path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        }
        if let problem = ProjectRoot.enter(arguments.projectRoot) {
            console.error(problem)
            return .invalidInput
        }
        var settings = RunArguments()
        if let folder = arguments.featuresFolder {
            settings.featuresFolder = folder
            settings.sources["features"] = "--features"
        }
        do {
            try ConfigFile.apply(to: &settings)
        } catch {
            console.error(error.message)
            return .invalidInput
        }
        guard let graph = loadGraph(featuresFolder: settings.featuresFolder) else { return .invalidInput }
        let pipeline = Pipeline(
            featureID: arguments.featureID, graph: graph, featuresFolder: settings.featuresFolder,
            defaultTimeout: settings.timeout, defaultRetries: settings.retries)
        let problems = pipeline.problems() + pipeline.pathProblems(arguments.format)
        guard problems.isEmpty else {
            problems.forEach { console.error("export of \(arguments.featureID): \($0)") }
            return .invalidInput
        }
        if arguments.format == .gitlabCI {
            for job in pipeline.jobs where job.needs.count > Pipeline.gitLabNeedsLimit {
                console.warning(
                    "\(job.workstreamID) needs \(job.needs.count) jobs; GitLab accepts \(Pipeline.gitLabNeedsLimit) by default (raise ci_needs_size_limit)"
                )
            }
        }
        let text = arguments.format == .githubActions ? pipeline.githubActions() : pipeline.gitlabCI()
        return write(text, to: output)
    }

    private func write(_ text: String, to path: String?) -> ExitCode {
        guard let path else {
            console.raw(text)
            return .success
        }
        do {
            try AtomicFile().write(Array(text.utf8), to: path)
        } catch {
            console.error("cannot write \(path): \(error.reason)")
            return .invalidInput
        }
        return .success
    }

    private func loadGraph(featuresFolder: String?) -> WorkstreamGraph? {
        do {
            let id = try FeatureID(validating: arguments.featureID)
            let layout: FeatureLoader.Layout = featuresFolder.map { .tagged(root: $0) } ?? .folderPerFeature(root: "features")
            let feature = try FeatureLoader(layout: layout).load(id)
            return try WorkstreamGraph(feature.workstreams, satisfiedExternally: feature.satisfiedExternally)
        } catch let error as InputErrors {
            error.errors.forEach { console.error($0.description) }
        } catch {
            console.error("\(error)")
        }
        return nil
    }
}
