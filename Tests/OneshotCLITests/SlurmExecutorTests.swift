import Foundation
import OneshotCheckpoint
import Testing

/// `--executor slurm` against a real single-node Slurm (`.ci/slurm-up`): each attempt is a
/// detached `sbatch` job, polled in batches, cancelled with `scancel`, adopted by name after a
/// kill -9 of oneshot; the job-completion log shows each workstream ran exactly once.
@Suite(.serialized, .timeLimit(.minutes(3)), .enabled(if: SlurmCluster.isAvailable, "\(SlurmCluster.skipReason)"))
struct SlurmExecutorTests {
    private let slurm = ["--executor", "slurm", "--poll-interval", "100ms"]
    private var environment: [String: String] { SlurmCluster.environment ?? [:] }

    /// A workstream that records its start, waits for `release`, records its end; it gives up
    /// once the test's project is gone, so that a failed test leaves no job running.
    private let gated =
        "echo start >> ledger; while [ ! -f release ]; do [ -d features ] || exit 9; sleep 0.05; done; echo end >> ledger"

    /// The completion-log lines of `id`'s attempt `attempt`, once there are `count` of them.
    private func completions(_ project: TemporaryProject, _ id: String, attempt: Int = 1, count: Int = 1) async throws
        -> [String]
    {
        let name = try #require(
            SlurmCluster.jobName(in: project, feature: "F1", id, attempt: attempt), "the log of \(id) names its job")
        _ = try await eventually { SlurmCluster.completions(of: name).count >= count }
        return SlurmCluster.completions(of: name)
    }

    @Test func aFeatureRunsThroughSlurmEndToEndEachWorkstreamOnce() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo a >> ledger; echo \"a in $PWD as $ONESHOT_WS_ID/$ONESHOT_ATTEMPT\"")
        try project.workstream("F1", "b", run: "echo b >> ledger")
        try project.workstream("F1", "c", depends: ["a", "b"], run: "echo c >> ledger")
        let result = try await OneshotBinary.run(["F1"] + slurm, in: project.path, environment: environment)
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(project.read("ledger")?.split(separator: "\n").sorted() == ["a", "b", "c"])
        #expect(project.read("ledger")?.hasSuffix("c\n") == true, "c ran after its dependencies")
        let log = try #require(project.read(".sdp/logs/F1/a.log"))
        #expect(log.contains("a in \(project.path) as a/1"), "the job ran in the project root with the ONESHOT_* environment")
        #expect(log.contains("=== a attempt 1 ended: exit 0 (Slurm job "))
        for id in ["a", "b", "c"] {
            let lines = try await completions(project, id)
            #expect(lines.count == 1 && lines[0].contains("JobState=COMPLETED"), "\(id): \(lines)")
        }
    }

    @Test func aFailedJobSkipsItsDependentsWhichAreNeverSubmitted() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "build", run: "echo compiler error; exit 3")
        try project.workstream("F1", "deploy", depends: ["build"], run: "echo deployed >> ledger")
        let result = try await OneshotBinary.run(["F1"] + slurm, in: project.path, environment: environment)
        #expect(result.exitCode == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("✗ build failed (exit 3)"))
        #expect(result.stdout.contains("compiler error"), "the failure shows the job's output")
        #expect(result.stdout.contains("deploy skipped: blocked by build"))
        #expect(project.read("ledger") == nil)
        #expect(project.read(".sdp/logs/F1/deploy.log") == nil, "a skipped workstream is never submitted")
        #expect(try await completions(project, "build").first?.contains("JobState=FAILED") == true)
    }

    @Test func aCommandThatExecsOrKillsItsShellStillLeavesItsExitStatus() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "execs", run: "echo execs >> ledger; exec sh -c 'exit 0'", extra: "idempotent: false\n")
        try project.workstream("F1", "dies", run: "echo dies >> ledger; kill -9 $$")
        let result = try await OneshotBinary.run(["F1"] + slurm, in: project.path, environment: environment)
        #expect(result.exitCode == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("✓ execs done"), "an exec'd command that exited 0 succeeded: \(result.stdout)")
        #expect(result.stdout.contains("✗ dies failed (exit 137)"), "\(result.stdout)")
        #expect(!result.stdout.contains("left no exit status"))
        #expect(project.read("ledger")?.split(separator: "\n").sorted() == ["dies", "execs"])
    }

    @Test func aTimedOutJobIsCancelled() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "slow", run: "echo start >> ledger; " + gated, extra: "timeout: 2s\n")
        let result = try await OneshotBinary.run(["F1"] + slurm, in: project.path, environment: environment)
        #expect(result.exitCode == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("slow failed (timed out)"))
        let lines = try await completions(project, "slow")
        #expect(lines.count == 1 && lines[0].contains("JobState=CANCELLED"), "\(lines)")
        #expect(project.read("ledger")?.contains("end") != true)
    }

    @Test func sigintCancelsTheJobsAndExits130() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "one", run: gated)
        try project.workstream("F1", "two", run: gated)
        let run = try OneshotBinary.start(["F1"] + slurm, in: project.path, environment: environment)
        #expect(try await eventually { project.read("ledger") == "start\nstart\n" })
        kill(run.pid, SIGINT)
        let result = try await run.finish()
        #expect(result.exitCode == 130, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("one interrupted") && result.stdout.contains("two interrupted"))
        for id in ["one", "two"] {
            let lines = try await completions(project, id)
            #expect(lines.count == 1 && lines[0].contains("JobState=CANCELLED"), "\(id): \(lines)")
        }
    }

    @Test func aKilledRunsJobsAreAdoptedByNameOnResumeAndRunOnce() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "pay", run: gated, extra: "idempotent: false\n")
        try project.workstream("F1", "mail", depends: ["pay"], run: "echo mailed >> ledger")
        let first = try OneshotBinary.start(["F1"] + slurm, in: project.path, environment: environment)
        #expect(try await eventually { project.read("ledger") == "start\n" })
        kill(first.pid, SIGKILL)
        _ = try await first.finish()
        let second = try OneshotBinary.start(["F1"] + slurm, in: project.path, environment: environment)
        #expect(try await eventually { second.stdout.contains("ADOPTED     pay: attempt 1") })
        try project.write("release", "")
        let result = try await second.finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(project.read("ledger") == "start\nend\nmailed\n", "the adopted job ran once, its dependent after it")
        #expect(project.read(".sdp/logs/F1/pay.log")?.contains("adopted from an earlier run: Slurm job ") == true)
        for id in ["pay", "mail"] {
            let lines = try await completions(project, id)
            #expect(lines.count == 1 && lines[0].contains("JobState=COMPLETED"), "\(id) exactly once: \(lines)")
        }
    }

    @Test func theConfigFileChoosesSlurmAndItsArgumentsAndAWorkstreamAddsItsOwn() async throws {
        let project = try TemporaryProject()
        try project.write(
            ".sdp/config.yml", "executor: slurm\npoll_interval: 100ms\nslurm:\n  partition: debug\n  args: [--time=7]\n")
        try project.workstream("F1", "a", run: "true")
        try project.workstream("F1", "b", run: "true", extra: "slurm_args: [--time=9, --comment=gpu-work]\n")
        let result = try await OneshotBinary.run(["F1"], in: project.path, environment: environment)
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(try await completions(project, "a").first?.contains(" Partition=debug TimeLimit=7 ") == true)
        #expect(try await completions(project, "b").first?.contains(" TimeLimit=9 ") == true)
    }

    @Test func theDeadlineCancelsTheRunningJobsAndExits7() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "long", run: gated)
        let result = try await OneshotBinary.run(
            ["F1", "--deadline", "2s"] + slurm, in: project.path, environment: environment)
        #expect(result.exitCode == 7, "\(result.stdout)\n\(result.stderr)")
        let lines = try await completions(project, "long")
        #expect(lines.count == 1 && lines[0].contains("JobState=CANCELLED"), "\(lines)")
    }

    @Test func jobsInFlightAreBoundedByJobs() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "one", run: "sleep 1")
        try project.workstream("F1", "two", run: "sleep 1")
        let result = try await OneshotBinary.run(["F1", "-j", "1"] + slurm, in: project.path, environment: environment)
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        func field(_ name: String, of line: String?) -> String {
            line?.split(separator: " ").first { $0.hasPrefix(name + "=") }.map(String.init) ?? ""
        }
        let one = try await completions(project, "one").first
        let two = try await completions(project, "two").first
        let (first, second) = field("StartTime", of: one) <= field("StartTime", of: two) ? (one, two) : (two, one)
        #expect(
            field("StartTime", of: second).dropFirst(10) >= field("EndTime", of: first).dropFirst(8),
            "the second job started after the first ended: \(first ?? "") / \(second ?? "")")
    }

    @Test func killOrphansCancelsTheEarlierRunsJobAndRunsItAgainOnce() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "agent", run: gated)
        let first = try OneshotBinary.start(["F1"] + slurm, in: project.path, environment: environment)
        #expect(try await eventually { project.read("ledger") == "start\n" })
        kill(first.pid, SIGKILL)
        _ = try await first.finish()
        let second = try OneshotBinary.start(["F1", "--kill-orphans"] + slurm, in: project.path, environment: environment)
        #expect(try await eventually { project.read("ledger") == "start\nstart\n" })
        try project.write("release", "")
        let result = try await second.finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("stopped its process group with scancel"))
        let cancelled = try await completions(project, "agent", attempt: 1)
        #expect(cancelled.count == 1 && cancelled[0].contains("JobState=CANCELLED"), "\(cancelled)")
        let rerun = try await completions(project, "agent", attempt: 2)
        #expect(rerun.count == 1 && rerun[0].contains("JobState=COMPLETED"), "attempts count across runs: \(rerun)")
    }
}
