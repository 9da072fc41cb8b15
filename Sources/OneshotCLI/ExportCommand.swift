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
        if let code = ProjectRoot.enter(arguments.projectRoot, reportingTo: console) { return code }
        var settings = RunArguments()
        if let folder = arguments.featuresFolder {
            settings.featuresFolder = folder
            settings.sources["features"] = "--features"
        }
        let graph: WorkstreamGraph
        do {
            try ConfigFile.apply(to: &settings)
            graph = try loadGraph(featuresFolder: settings.featuresFolder)
        } catch {
            console.error(error)
            return ExitCode(error)
        }
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
        if let missing = PictureFile.missingFolder(of: path) {
            let problem = UsageError(missing)
            console.error(problem.message)
            return ExitCode(problem)
        }
        do {
            try AtomicFile().write(Array(text.utf8), to: path)
        } catch {
            // A file the user named: its path is the input at fault.
            let problem = UsageError("cannot write \(path): \(error.reason)")
            console.error(problem.message)
            return ExitCode(problem)
        }
        return .success
    }

    private func loadGraph(featuresFolder: String?) throws -> WorkstreamGraph {
        let id = try FeatureID(validating: arguments.featureID)
        let layout: FeatureLoader.Layout = featuresFolder.map { .tagged(root: $0) } ?? .folderPerFeature(root: "features")
        let feature = try FeatureLoader(layout: layout).load(id)
        return try WorkstreamGraph(feature.workstreams, satisfiedExternally: feature.satisfiedExternally)
    }
}
