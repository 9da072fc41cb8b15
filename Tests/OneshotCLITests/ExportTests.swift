import Foundation
import Testing

@testable import OneshotCLI

/// `oneshot export`: pipelines valid against GitHub's and GitLab's schemas (offline, with
/// `check-jsonschema`), and sound where the schemas do not look — every `needs:` names a job,
/// no cycle, every workstream that is not done runs in exactly one job — for ids that are not
/// job ids and for 500 workstreams.
@Suite(.timeLimit(.minutes(3))) struct ExportTests {
    private static let formats: [(format: String, schema: String, jobIndent: String)] = [
        ("github-actions", "vendor.github-workflows", "  "), ("gitlab-ci", "vendor.gitlab-ci", ""),
    ]

    /// Ids GitHub refuses as job ids (a digit first, `.`), that collide once sanitised (`a.b`,
    /// `a_b`; `A`, `a`), or that GitLab reserves (`image`, `stages`); `done` is declared done.
    private func awkwardFeature(_ project: TemporaryProject) throws {
        try project.workstream("F1", "done", run: nil, extra: "status: completed\n")
        try project.workstream("F1", "00-1", depends: ["done"], run: "true", extra: "timeout: 5m\nretries: 1\n")
        try project.workstream("F1", "a.b", depends: ["00-1"], run: "true", extra: "title: 'Say \"hi\": ${{ x }}'\n")
        try project.workstream("F1", "a_b", depends: ["00-1"], run: "true", extra: "outputs: [build/a b.o]\n")
        try project.workstream("F1", "A", depends: ["a.b", "a_b"], run: "true")
        try project.workstream("F1", "a", depends: ["A"], run: "true")
        try project.workstream("F1", "image", depends: ["a"], run: "true")
        try project.workstream("F1", "stages", depends: ["image", "done"], run: "true")
        try project.workstream("F1", "_x", run: "true")
    }

    /// 500 workstreams, each after up to three earlier ones.
    private func largeFeature(_ project: TemporaryProject) throws {
        for index in 0..<500 {
            let depends = Set([index - 1, index / 2, index / 3].filter { $0 >= 0 && $0 < index }).sorted().map { "w\($0)" }
            try project.workstream("F1", "w\(index)", depends: depends, run: "true")
        }
    }

    private func export(_ project: TemporaryProject, _ format: String) async throws -> String {
        let result = try await OneshotBinary.run(
            ["export", "F1", "--format", format, "-o", "pipeline-\(format).yml"], in: project.path)
        #expect(result.exitCode == 0, "\(result.stderr)")
        return project.read("pipeline-\(format).yml") ?? ""
    }

    /// Checks the file against its CI's schema and oneshot's own soundness rules; `expected` are
    /// the workstreams that must each run in exactly one job.
    private func check(
        _ text: String, _ format: (format: String, schema: String, jobIndent: String), in project: TemporaryProject,
        expected: Set<String>
    ) async throws {
        let jobs = Self.jobsAndNeeds(text, jobIndent: format.jobIndent)
        let ids = Set(jobs.map(\.id))
        #expect(ids.count == jobs.count, "a job id is used twice")
        for job in jobs {
            #expect(job.id.range(of: "^[A-Za-z_][A-Za-z0-9_-]*$", options: .regularExpression) != nil, "\(job.id)")
            for need in job.needs { #expect(ids.contains(need), "\(job.id) needs \(need), which is no job") }
        }
        #expect(Self.isAcyclic(jobs), "the needs form a cycle")
        let runs = text.split(separator: "\n").compactMap { line -> String? in
            guard let range = line.range(of: "exec .build/release/oneshot F1 --only ") else { return nil }
            return line[range.upperBound...].split(separator: " ").first.map(String.init)
        }
        #expect(runs.count == expected.count && Set(runs) == expected, "\(runs)")
        if let reason = CheckJSONSchema.unavailableReason {
            print("ExportTests: schema check skipped: \(reason)")
            return
        }
        let path = project.file("check-\(format.format).yml")
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let result = try await CheckJSONSchema.validate(path, schema: format.schema)
        #expect(result.code == 0, "\(format.format): \(result.output)")
    }

    @Test func idsThatAreNoJobIdsExportValidUniqueJobs() async throws {
        let project = try TemporaryProject()
        try awkwardFeature(project)
        let expected: Set<String> = ["00-1", "a.b", "a_b", "A", "a", "image", "stages", "_x"]
        for format in Self.formats {
            let text = try await export(project, format.format)
            try await check(text, format, in: project, expected: expected)
            let jobs = Self.jobsAndNeeds(text, jobIndent: format.jobIndent)
            #expect(Set(jobs.map(\.id)) == ["ws-00-1", "ws-a_b", "ws-a_b-2", "ws-A", "ws-a-2", "ws-image", "ws-stages", "ws-_x"])
            // The declared-done workstream has no job, and nobody waits for one.
            #expect(jobs.first { $0.id == "ws-stages" }?.needs == ["ws-image"])
            #expect(jobs.first { $0.id == "ws-00-1" }?.needs == [])
        }
    }

    @Test func aJobsTimeoutIsItsAttemptsAtItsTimeoutPlusTheSetupAndTitlesAreQuoted() async throws {
        let project = try TemporaryProject()
        try awkwardFeature(project)
        let github = try await export(project, "github-actions")
        #expect(github.contains("  ws-00-1:\n    name: \"00-1\"\n    runs-on: ubuntu-latest\n    timeout-minutes: 20\n"))
        #expect(github.contains("    name: \"a.b Say \\\"hi\\\": $ {{ x }}\"\n"))
        #expect(github.contains("            build/a b.o\n"))
        #expect(github.contains("      - run: \"exec .build/release/oneshot F1 --only a.b --assume-deps-done\"\n"))
        #expect(github.hasPrefix("# Generated by `oneshot export F1 --format github-actions`"))
        let gitlab = try await export(project, "gitlab-ci")
        #expect(gitlab.contains("ws-00-1:\n  stage: oneshot\n  needs: []\n  timeout: 20m\n"))
        #expect(gitlab.contains("      - \"build/a b.o\"\n"))
        #expect(gitlab.contains("  artifacts:\n    when: always\n"))
    }

    @Test func fiveHundredWorkstreamsExportValidFiles() async throws {
        let project = try TemporaryProject()
        try largeFeature(project)
        for format in Self.formats {
            let text = try await export(project, format.format)
            try await check(text, format, in: project, expected: Set((0..<500).map { "w\($0)" }))
        }
    }

    /// Each job as the CI runs it, in a fresh checkout of its own and in the file's order (which
    /// `needs:` allows): every workstream runs once, after what it depends on.
    @Test func theExportedJobsRunTheFeatureEachWorkstreamOnceInOrder() async throws {
        let project = try TemporaryProject()
        let ledger = project.file("ledger")
        for (id, depends) in [("a", [String]()), ("b", ["a"]), ("c", ["a"]), ("d", ["b", "c"])] {
            try project.workstream("F1", id, depends: depends, run: "echo \(id) >> '\(ledger)'")
        }
        let text = try await export(project, "github-actions")
        let jobs = text.split(separator: "\n").compactMap { line -> [String]? in
            guard let range = line.range(of: "exec .build/release/oneshot ") else { return nil }
            return line[range.upperBound...].dropLast().split(separator: " ").map(String.init)
        }
        #expect(jobs.count == 4)
        for arguments in jobs {
            let checkout = try TemporaryProject()
            try FileManager.default.copyItem(atPath: project.file("features"), toPath: checkout.file("features"))
            let result = try await OneshotBinary.run(arguments, in: checkout.path)
            #expect(result.exitCode == 0, "\(arguments): \(result.stderr)")
        }
        let ran = (project.read("ledger") ?? "").split(separator: "\n")
        #expect(ran.count == 4 && ran.first == "a" && ran.last == "d" && Set(ran) == ["a", "b", "c", "d"], "\(ran)")
    }

    @Test(arguments: [
        (["export", "F1"], "oneshot: error: export needs --format github-actions or gitlab-ci\n"),
        (["export", "F1", "--format", "jenkins"], "oneshot: error: --format takes github-actions or gitlab-ci, not 'jenkins'\n"),
        (
            ["export", "--format", "gitlab-ci"],
            "oneshot: error: missing feature id, e.g. 'oneshot export F052 --format github-actions'\n"
        ),
        (["export", "F1", "--format", "gitlab-ci", "-o", "missing/folder/x.yml"], "oneshot: error: cannot write "),
        (["export", "F9", "--format", "gitlab-ci"], "oneshot: error: "),
    ])
    func badExportsSayWhatIsWrongAndExitTwo(arguments: [String], message: String) async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true")
        let result = try await OneshotBinary.run(arguments, in: project.path)
        #expect(result.exitCode == 2)
        #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
        #expect(result.stdout.isEmpty)
    }

    @Test func outputsThatGitHubReadsAsPatternsAreEscapedToTheirOwnPath() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true", extra: "outputs: ['!keep.txt', '#notes', 'a*b?[1].txt', 'plain/x.o']\n")
        try project.workstream("F1", "b", depends: ["a"], run: "true")
        let github = try await export(project, "github-actions")
        #expect(
            github.contains(
                "            ./!keep.txt\n            ./#notes\n            a[*]b[?][[]1].txt\n            plain/x.o\n"),
            "\(github)")
        try await check(github, Self.formats[0], in: project, expected: ["a", "b"])
        // GitLab's wildcards have no escape oneshot can rely on: refused, naming the file.
        let gitlab = try await OneshotBinary.run(["export", "F1", "--format", "gitlab-ci"], in: project.path)
        #expect(gitlab.exitCode == 2)
        #expect(
            gitlab.stderr
                == "oneshot: error: export of F1: features/F1/a.md: output 'a*b?[1].txt' cannot be an artifact path of gitlab-ci: GitLab would read '*' as a wildcard\n",
            "\(gitlab.stderr)")
        #expect(gitlab.stdout.isEmpty)
    }

    @Test(arguments: [
        (
            "'${{ secrets.TOKEN }}'", "github-actions",
            "output '${{ secrets.TOKEN }}' cannot be an artifact path of github-actions: GitHub would evaluate '${{' as an expression"
        ),
        (
            "'$CI_JOB_TOKEN'", "gitlab-ci",
            "output '$CI_JOB_TOKEN' cannot be an artifact path of gitlab-ci: GitLab would expand '$' as a variable"
        ),
        (
            "\"a\\nb\"", "github-actions",
            "output 'a?b' cannot be an artifact path of github-actions: it holds a line break or a control character"
        ),
        (
            "\"a\\nb\"", "gitlab-ci",
            "output 'a?b' cannot be an artifact path of gitlab-ci: it holds a line break or a control character"
        ),
        (
            "' x.o'", "github-actions",
            "output ' x.o' cannot be an artifact path of github-actions: it starts or ends with a space, which the CI trims"
        ),
    ])
    func outputsThatCannotBeTheirOwnArtifactPathAreRefused(output: String, format: String, message: String) async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true", extra: "outputs: [\(output)]\n")
        let result = try await OneshotBinary.run(["export", "F1", "--format", format, "-o", "pipeline.yml"], in: project.path)
        #expect(result.exitCode == 2, "\(result.stderr)")
        #expect(result.stderr == "oneshot: error: export of F1: features/F1/a.md: \(message)\n", "\(result.stderr)")
        #expect(project.read("pipeline.yml") == nil, "nothing written")
    }

    @Test func theOwnCheckFindsANeedThatIsNoJobAndACycle() {
        let job = { (id: String, needs: [String]) in
            Pipeline.Job(id: id, workstreamID: id, title: nil, needs: needs, timeoutMinutes: nil, outputs: [])
        }
        let dangling = Pipeline(featureID: "F1", featuresFolder: nil, jobs: [job("ws-a", ["ws-z"])])
        #expect(dangling.problems() == ["job ws-a needs ws-z, which is no job"])
        let cycle = Pipeline(
            featureID: "F1", featuresFolder: nil, jobs: [job("ws-a", ["ws-b"]), job("ws-b", ["ws-a"]), job("ws-c", [])])
        #expect(cycle.problems() == ["jobs on a cycle: ws-a, ws-b"])
    }

    @Test func sanitisedIdsAreUniqueIgnoringCaseInTheOrderOfTheWorkstreamIds() {
        #expect(
            CIJobIDs.make(["a.b", "a_b", "a_b-2", "B", "b"]) == [
                "a.b": "ws-a_b", "a_b": "ws-a_b-2", "a_b-2": "ws-a_b-2-2", "B": "ws-B", "b": "ws-b-2",
            ])
    }

    /// The jobs of a file oneshot wrote, and their `needs:` (one flow list per job).
    static func jobsAndNeeds(_ text: String, jobIndent: String) -> [(id: String, needs: [String])] {
        var jobs: [(id: String, needs: [String])] = []
        var inJobs = jobIndent.isEmpty
        for line in text.split(separator: "\n").map(String.init) {
            if line == "jobs:" { inJobs = true; continue }
            guard inJobs, !line.hasPrefix("#") else { continue }
            let rest = line.dropFirst(jobIndent.count)
            if line.hasPrefix(jobIndent), rest.first.map({ $0 != " " }) == true, rest.hasSuffix(":"), !rest.contains(" ") {
                let id = String(rest.dropLast())
                if !["stages", "default"].contains(id) || !jobIndent.isEmpty { jobs.append((id, [])) }
            } else if let range = line.range(of: "\(jobIndent)  needs: ["), line.hasPrefix("\(jobIndent)  needs: ["),
                !jobs.isEmpty
            {
                let list = line[range.upperBound...].dropLast()
                jobs[jobs.count - 1].needs = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            }
        }
        return jobs
    }

    /// Whether the needs form no cycle (Kahn's algorithm over the parsed jobs).
    static func isAcyclic(_ jobs: [(id: String, needs: [String])]) -> Bool {
        var remaining = Dictionary(jobs.map { ($0.id, Set($0.needs)) }) { first, _ in first }
        while let (id, _) = remaining.first(where: { $0.value.isEmpty }) {
            remaining[id] = nil
            for key in remaining.keys { remaining[key]?.remove(id) }
        }
        return remaining.isEmpty
    }
}
