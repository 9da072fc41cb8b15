import Foundation
import Oneshot

/// A feature as a CI pipeline for `oneshot export`: one job per workstream that is not declared
/// done, needing the jobs of its dependencies, in dependency order. Each job runs exactly its
/// workstream with `oneshot <feature> --only <id> --assume-deps-done`: the CI system is the
/// scheduler, and carries outputs and logs between jobs as artifacts. Rendered by
/// `Pipeline+GitHubActions.swift` and `Pipeline+GitLabCI.swift`.
struct Pipeline {
    /// One workstream's job.
    struct Job {
        /// The job id (``CIJobIDs``).
        let id: String
        /// The workstream it runs.
        let workstreamID: String
        /// The workstream's title, on one line.
        let title: String?
        /// The job ids of its dependencies' jobs.
        let needs: [String]
        /// Its time limit: the workstream's attempts at its timeout, plus ``setupMinutes``.
        let timeoutMinutes: Int?
        /// The outputs the workstream declares, carried to the jobs after it.
        let outputs: [String]
        /// The workstream's file, to name in messages.
        var source: String? = nil
    }

    /// Minutes a job needs besides its workstream: check out, build oneshot.
    static let setupMinutes = 10
    /// The most `needs:` GitLab accepts per job by default (`ci_needs_size_limit`).
    static let gitLabNeedsLimit = 50

    let featureID: String
    let featuresFolder: String?
    let jobs: [Job]

    /// A pipeline of `jobs` as they are.
    init(featureID: String, featuresFolder: String?, jobs: [Job]) {
        self.featureID = featureID
        self.featuresFolder = featuresFolder
        self.jobs = jobs
    }

    /// The pipeline of the workstreams of `graph` that are not declared done.
    ///
    /// - Parameters:
    ///   - defaultTimeout: the timeout of workstreams without `timeout:` (`--timeout`, `timeout:`
    ///     in `.sdp/config.yml`); `nil` for none.
    ///   - defaultRetries: likewise for `retries:`.
    init(featureID: String, graph: WorkstreamGraph, featuresFolder: String?, defaultTimeout: Duration?, defaultRetries: Int) {
        self.featureID = featureID
        self.featuresFolder = featuresFolder
        let ids = CIJobIDs.make(graph.workstreams.filter { !$0.isDeclaredDone }.map(\.id))
        jobs = graph.topologicalOrder.compactMap { index in
            let workstream = graph.workstreams[index]
            guard let id = ids[workstream.id] else { return nil }
            let timeout = workstream.timeout ?? defaultTimeout
            let attempts = Double((workstream.retries ?? defaultRetries) + 1)
            return Job(
                id: id, workstreamID: workstream.id,
                title: workstream.title.map { $0.split(whereSeparator: \.isNewline).joined(separator: " ") },
                needs: graph.dependencies[index].compactMap { ids[graph.workstreams[$0].id] },
                timeoutMinutes: timeout.map { Int(($0.inSeconds * attempts / 60).rounded(.up)) + Self.setupMinutes },
                outputs: workstream.outputs, source: workstream.source?.file
            )
        }
    }

    /// The command a job runs.
    func command(for job: Job) -> String {
        var parts = ["exec", ".build/release/oneshot", featureID]
        if let featuresFolder { parts += ["--features", Self.shellQuoted(featuresFolder)] }
        return (parts + ["--only", job.workstreamID, "--assume-deps-done"]).joined(separator: " ")
    }

    /// What is wrong with the pipeline, which the CI systems' schemas do not check: a `needs:`
    /// naming no job, a job id used twice, a cycle. Empty when it is sound.
    func problems() -> [String] {
        var problems: [String] = []
        var known = Set<String>()
        for job in jobs where !known.insert(job.id).inserted { problems.append("job id \(job.id) is used twice") }
        for job in jobs {
            for need in job.needs where !known.contains(need) { problems.append("job \(job.id) needs \(need), which is no job") }
        }
        // Kahn's algorithm: the jobs never freed are on a cycle.
        var waiting = Dictionary(jobs.map { ($0.id, Set($0.needs).intersection(known).count) }) { first, _ in first }
        var dependents: [String: [String]] = [:]
        for job in jobs { for need in Set(job.needs) { dependents[need, default: []].append(job.id) } }
        var ready = waiting.filter { $0.value == 0 }.map(\.key)
        while let id = ready.popLast() {
            waiting[id] = nil
            for dependent in dependents[id] ?? [] {
                waiting[dependent]? -= 1
                if waiting[dependent] == 0 { ready.append(dependent) }
            }
        }
        if !waiting.isEmpty { problems.append("jobs on a cycle: \(waiting.keys.sorted().joined(separator: ", "))") }
        return problems
    }

    /// The header comment: what the file is and how work carries from job to job.
    func header(_ format: ExportFormat, carry: [String]) -> [String] {
        [
            "# Generated by `oneshot export \(featureID) --format \(format.rawValue)`; regenerate it when the",
            "# workstreams change. One job per workstream (ws-<id>), needs: from depends_on. Each job",
            "# runs exactly its workstream, `oneshot \(featureID) --only <id> --assume-deps-done`, trusting",
            "# that the jobs it needs succeeded: the CI system is the scheduler here, and continuity",
            "# between jobs is its own, not oneshot's checkpoint:",
        ] + carry.map { "# \($0)" } + [
            "# A job's timeout is its workstream's timeout times its attempts, plus \(Self.setupMinutes) minutes to",
            "# check out and build oneshot; a workstream without a timeout gets the CI's default.",
        ]
    }

    /// `text` as a YAML double-quoted scalar (JSON's escapes are YAML's).
    static func yamlQuoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                result += String(format: "\\u%04X", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// `text` for `/bin/sh`: as it is when it holds only safe characters, else in single quotes.
    static func shellQuoted(_ text: String) -> String {
        let safe = !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./".contains($0)) }
        return safe ? text : ShellWord.quoted(text)
    }
}
