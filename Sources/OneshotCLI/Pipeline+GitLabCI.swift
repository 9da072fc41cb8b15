import Foundation

extension Pipeline {
    /// The pipeline as a GitLab CI file: a job per workstream in one stage (`needs:` orders them),
    /// which builds oneshot, runs its workstream with `exec` and keeps its log and declared
    /// outputs as artifacts, also after a failure; `needs:` downloads those of the jobs before it.
    func gitlabCI() -> String {
        var lines = header(
            .gitlabCI,
            carry: [
                "each job keeps its log and its workstream's declared outputs as artifacts, and needs:",
                "downloads those of the jobs it names. Retry the failed jobs to resume the feature. GitLab",
                "accepts \(Self.gitLabNeedsLimit) needs per job by default (ci_needs_size_limit).",
            ])
        lines += ["stages:", "  - oneshot", "default:", "  image: swift:6.1"]
        for job in jobs { lines += gitlabJob(job) }
        return lines.joined(separator: "\n") + "\n"
    }

    private func gitlabJob(_ job: Job) -> [String] {
        let comment = ([job.workstreamID] + (job.title.map { [$0] } ?? [])).joined(separator: ": ")
        // YAML allows no control characters, even in a comment.
        var lines = ["# \(Self.printable(comment))", "\(job.id):"]
        lines += ["  stage: oneshot", "  needs: [\(job.needs.joined(separator: ", "))]"]
        if let minutes = job.timeoutMinutes { lines.append("  timeout: \(minutes)m") }
        lines += [
            "  script:", "    - swift build -c release --product oneshot", "    - \(Self.yamlQuoted(command(for: job)))",
            "  artifacts:", "    when: always", "    paths:",
            "      - \(Self.yamlQuoted(".sdp/logs/\(featureID)/\(job.workstreamID).log"))",
        ]
        lines += job.outputs.map { "      - \(Self.yamlQuoted($0))" }
        return lines
    }
}
