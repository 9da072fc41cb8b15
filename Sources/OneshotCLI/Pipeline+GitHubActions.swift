import Foundation

extension Pipeline {
    /// The pipeline as a GitHub Actions workflow: a job per workstream on `ubuntu-latest`, which
    /// checks out, downloads the artifacts of the jobs before it, builds oneshot, runs its
    /// workstream with `exec` (so the runner's SIGINT reaches oneshot) and uploads its log and
    /// declared outputs, also after a failure.
    func githubActions() -> String {
        var lines = header(
            .githubActions,
            carry: [
                "each job uploads its log and its workstream's declared outputs as the artifact",
                "oneshot-\(featureID)-<job> and first downloads those of the jobs before it. Re-run the failed",
                "jobs to resume the feature.",
            ])
        lines += [
            "name: \(Self.yamlQuoted("oneshot \(featureID)"))", "on:", "  workflow_dispatch:", "permissions:",
            "  contents: read", "jobs:",
        ]
        for job in jobs { lines += githubJob(job) }
        return lines.joined(separator: "\n") + "\n"
    }

    private func githubJob(_ job: Job) -> [String] {
        // `${{` in a title would be read as an expression.
        let name = ([job.workstreamID] + (job.title.map { [$0] } ?? [])).joined(separator: " ")
            .replacingOccurrences(of: "${{", with: "$ {{")
        var lines = ["  \(job.id):", "    name: \(Self.yamlQuoted(name))", "    runs-on: ubuntu-latest"]
        if !job.needs.isEmpty { lines.append("    needs: [\(job.needs.joined(separator: ", "))]") }
        if let minutes = job.timeoutMinutes { lines.append("    timeout-minutes: \(minutes)") }
        lines += ["    steps:", "      - uses: actions/checkout@v4"]
        if !job.needs.isEmpty {
            lines += [
                "      - uses: actions/download-artifact@v4", "        with:",
                "          pattern: \(Self.yamlQuoted("oneshot-\(featureID)-*"))", "          merge-multiple: true",
            ]
        }
        lines += [
            "      - run: swift build -c release --product oneshot",
            "      - run: \(Self.yamlQuoted(command(for: job)))",
            "      - if: always()", "        uses: actions/upload-artifact@v4", "        with:",
            "          name: \(Self.yamlQuoted("oneshot-\(featureID)-\(job.id)"))", "          path: |",
            "            .sdp/logs/\(featureID)/\(job.workstreamID).log",
        ]
        lines += job.outputs.map { "            \(Self.githubPath($0))" }
        lines.append("          if-no-files-found: ignore")
        return lines
    }
}
