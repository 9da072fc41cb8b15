import Foundation
import Oneshot
import OneshotCheckpoint
import Testing

/// `--executor slurm` against a real single-node Slurm (`.ci/slurm-up`): each attempt is a
/// detached `sbatch` job, polled in batches, cancelled with `scancel`, adopted by name after a
/// kill -9 of oneshot; the job-completion log shows each workstream ran exactly once.
@Suite(.serialized, .timeLimit(.minutes(3)), .enabled(if: SlurmCluster.isAvailable, "\(SlurmCluster.skipReason)"))
struct SlurmExecutorTests {
    private let slurm = ["--executor", "slurm", "--poll-interval", "100ms"]
    private var environment: [String: String] { SlurmCluster.environment ?? [:] }

    /// A workstream that records its start, waits at the gate `release`, records its end (a
    /// failed test opens its gates as it ends, so that it leaves no job running).
    private let gated = "echo start >> ledger; read _ < release || :; echo end >> ledger"

    /// The completion-log lines of `id`'s attempt `attempt`, once there are `count` of them.
    private func completions(_ project: TemporaryProject, _ id: String, attempt: Int = 1, count: Int = 1) async throws
        -> [String]
    {
        let name = try #require(
            SlurmCluster.jobName(in: project, feature: "F1", id, attempt: attempt), "the log of \(id) names its job")
        let log = SlurmCluster.environment?["ONESHOT_SLURM_JOBCOMP"] ?? project.path
        _ = await Awaited.files(in: [(log as NSString).deletingLastPathComponent], within: .seconds(20)) {
            SlurmCluster.completions(of: name).count >= count
        }
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

    /// oneshot's environment reaches the job byte for byte, as it reaches a local command (see
    /// InheritedEnvironmentTests), the attempt's own variables on top. Before, the job's
    /// environment went through a `[String: String]`: `X` held `61 ef bf bd ef bf bd 62`.
    @Test func aValueThatIsNotUTF8ReachesTheJobAsItIs() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "printf %s \"$X\" | od -An -tx1; echo \"id=$ONESHOT_WS_ID\"")
        // Foundation's `Process` takes its environment as strings: a shell sets the bytes.
        let launcher = ["/bin/sh", "-c", "X=$(printf 'a\\377\\376b') ONESHOT_WS_ID=inherited exec \"$@\"", "sh"]
        let result = try await OneshotBinary.start(
            ["F1"] + slurm, in: project.path, environment: environment, launcher: launcher
        ).finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        let log = project.read(".sdp/logs/F1/a.log") ?? ""
        #expect(log.contains("\n 61 ff fe 62\n"), "\(log)")
        #expect(log.contains("\nid=a\n"), "the per-attempt variable is oneshot's: \(log)")
        #expect(log.contains("(Slurm job "), "it ran as a job: \(log)")
    }

    /// `sbatch` reads `SBATCH_*` variables as options: one the user had set for their own jobs
    /// must not undo what oneshot's command line promises. Before, `SBATCH_ARRAY_INX=0-2` made
    /// the attempt an array of three jobs (the `idempotent: false` command ran three times) and
    /// `SBATCH_ERROR` sent its errors elsewhere than its log.
    @Test func sbatchVariablesOfTheUsersCannotMakeAnArrayOrMoveTheErrors() async throws {
        let project = try TemporaryProject()
        let ledger = project.path + "/ledger"
        try project.workstream("F1", "a", run: "echo ran >> \(ledger); echo oops >&2", extra: "idempotent: false\n")
        let launcher = [
            "/bin/sh", "-c", "SBATCH_ARRAY_INX=0-2 SBATCH_ERROR=\(project.path)/errors exec \"$@\"", "sh",
        ]
        let result = try await OneshotBinary.start(
            ["F1"] + slurm, in: project.path, environment: environment, launcher: launcher
        ).finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(project.read("ledger") == "ran\n", "one job, not an array")
        let log = project.read(".sdp/logs/F1/a.log") ?? ""
        #expect(log.contains("\noops\n"), "its errors in its log: \(log)")
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
        try project.gate("release")
        let result = try await OneshotBinary.run(["F1"] + slurm, in: project.path, environment: environment)
        #expect(result.exitCode == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("slow failed (timed out)"))
        let lines = try await completions(project, "slow")
        #expect(lines.count == 1 && lines[0].contains("JobState=CANCELLED"), "\(lines)")
        #expect(project.read("ledger")?.contains("end") != true)
    }

    @Test func sigintCancelsTheJobsAndExits130() async throws {
        let project = try TemporaryProject()
        try project.gate("release")
        try project.workstream("F1", "one", run: gated)
        try project.workstream("F1", "two", run: gated)
        let run = try OneshotBinary.start(["F1"] + slurm, in: project.path, environment: environment)
        #expect(await project.until { project.read("ledger") == "start\nstart\n" })
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
        try project.gate("release")
        try project.workstream("F1", "pay", run: gated, extra: "idempotent: false\n")
        try project.workstream("F1", "mail", depends: ["pay"], run: "echo mailed >> ledger")
        let first = try OneshotBinary.start(["F1"] + slurm, in: project.path, environment: environment)
        #expect(await project.until { project.read("ledger") == "start\n" })
        kill(first.pid, SIGKILL)
        _ = try await first.finish()
        let second = try OneshotBinary.start(["F1"] + slurm, in: project.path, environment: environment)
        #expect(await project.until { second.stdout.contains("ADOPTED     pay: attempt 1") })
        try project.openGate("release")
        let result = try await second.finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(project.read("ledger") == "start\nend\nmailed\n", "the adopted job ran once, its dependent after it")
        #expect(project.read(".sdp/logs/F1/pay.log")?.contains("adopted from an earlier run: Slurm job ") == true)
        for id in ["pay", "mail"] {
            let lines = try await completions(project, id)
            #expect(lines.count == 1 && lines[0].contains("JobState=COMPLETED"), "\(id) exactly once: \(lines)")
        }
    }

    /// The id Slurm gave the job `name`, as `squeue` says.
    private func jobID(_ name: String) async throws -> String? {
        let squeue = SchedulerCommand("squeue", ["--noheader", "--states=all", "--name=\(name)", "--format=%i"])
        let result = await squeue.run(environment: ProcessInfo.processInfo.environment.merging(environment) { $1 })
        return result.output.split(separator: "\n").first.map(String.init)
    }

    @Test func theJobIDIsJournaledShownByStatusAndTheResumeAndFoundByNameWhenTheCrashCameFirst() async throws {
        let project = try TemporaryProject()
        try project.gate("release")
        try project.workstream("F1", "pay", run: gated, extra: "idempotent: false\n")
        let first = try OneshotBinary.start(["F1"] + slurm, in: project.path, environment: environment)
        #expect(await project.until { project.read("ledger") == "start\n" })
        let name = try #require(SlurmCluster.jobName(in: project, feature: "F1", "pay"))
        let id = try #require(try await jobID(name))
        let journal = ".sdp/checkpoints/F1-journal.jsonl"
        #expect(
            await project.until(journal) { project.read(journal)?.contains("\"job_id\":\"\(id)\"") == true },
            "\(project.read(journal) ?? "")")
        let running = try await OneshotBinary.run(["status", "F1"], in: project.path, environment: environment)
        #expect(running.stdout.contains("running (Slurm job \(id))"), "\(running.stdout)")
        kill(first.pid, SIGKILL)
        _ = try await first.finish()
        let dead = try await OneshotBinary.run(["status", "F1"], in: project.path, environment: environment)
        #expect(dead.stdout.contains("uncertain (Slurm job \(id))"), "\(dead.stdout)")
        // A crash between submitting and journaling the id leaves the intent alone.
        for file in [journal, ".sdp/checkpoints/F1-checkpoint.json"] {
            guard let text = project.read(file) else { continue }
            let stripped = text.replacingOccurrences(
                of: #""(job_id|scheduler)"\s*:\s*"[^"]*"\s*,\s*"#, with: "", options: .regularExpression)
            try project.write(file, stripped)
        }
        #expect(project.read(journal)?.contains("job_id") != true)
        let second = try OneshotBinary.start(["F1"] + slurm, in: project.path, environment: environment)
        #expect(
            await project.until {
                second.stdout.contains("ADOPTED     pay: attempt 1 (Slurm job \(id)) is still queued or running")
            }, "\(second.stdout)")
        try project.openGate("release")
        let result = try await second.finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(project.read("ledger") == "start\nend\n", "found by name, not submitted again")
        let lines = try await completions(project, "pay")
        #expect(lines.count == 1 && lines[0].contains("JobState=COMPLETED"), "exactly once: \(lines)")
    }

    @Test func aDeadControllerIsNotTheWorkstreamsFailureAndItsJobIsSubmittedOnce() async throws {
        let project = try TemporaryProject()
        try project.gate("release")
        try project.workstream("F1", "first", run: gated)
        try project.workstream(
            "F1", "pay", depends: ["first"], run: "echo paid >> ledger", extra: "idempotent: false\nretries: 0\n")
        let live = try String(contentsOfFile: try #require(environment["SLURM_CONF"]), encoding: .utf8)
        // The same cluster behind a port nothing listens on: sbatch and squeue cannot reach it.
        let dead = live.replacingOccurrences(
            of: #"(?m)^SlurmctldPort=\d+"#, with: "SlurmctldPort=16899", options: .regularExpression)
        func point(at conf: String) throws {
            try project.write("slurm.conf.new", conf)
            #expect(rename(project.file("slurm.conf.new"), project.file("slurm.conf")) == 0)
        }
        try point(at: live)
        var pointed = environment
        pointed["SLURM_CONF"] = project.file("slurm.conf")
        let run = try OneshotBinary.start(["F1"] + slurm, in: project.path, environment: pointed)
        #expect(await project.until { project.read("ledger") == "start\n" })
        // The controller goes away while the first job runs; its exit status still ends it.
        try point(at: dead)
        try project.openGate("release")
        #expect(
            await project.until(".sdp/logs/F1/pay.log", within: .seconds(90)) {
                project.read(".sdp/logs/F1/pay.log")?.contains("=== pay attempt 1 not submitted: sbatch for ") == true
            })
        // Back: the retry asks it whether the failed sbatch made the job, then submits.
        try point(at: live)
        let result = try await run.finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(
            result.stdout.contains("pay attempt 1 not started: oneshot's own error, not the workstream's"), "\(result.stdout)")
        #expect(project.read("ledger") == "start\nend\npaid\n")
        let lines = try await completions(project, "pay")
        #expect(lines.count == 1 && lines[0].contains("JobState=COMPLETED"), "submitted exactly once: \(lines)")
    }

    /// A fresh run numbers attempts from 1 again while Slurm still lists the earlier run's job
    /// of that name (an ended job stays for `MinJobAge`). Before, when the fresh attempt's
    /// `sbatch` failed, its retry took that earlier FAILED job for the failed submission's: the
    /// attempt, never submitted, ended outcome unknown (exit 8).
    @Test func aFreshRunsFailedSubmissionIsNotTakenForTheEarlierRunsJobOfTheName() async throws {
        let project = try TemporaryProject()
        // The job lasts 3 s so that the fresh attempt begins well after (beyond the 2 s clock
        // tolerance) the earlier job's submit time; it fails until `pass` exists.
        try project.workstream(
            "F1", "a", run: "echo ran >> ledger; sleep 3; [ -f pass ]", extra: "idempotent: false\nretries: 0\n")
        let first = try await OneshotBinary.run(["F1"] + slurm, in: project.path, environment: environment)
        #expect(first.exitCode == 1, "\(first.stdout)\n\(first.stderr)")
        let name = try #require(SlurmCluster.jobName(in: project, feature: "F1", "a"))
        #expect(try await completions(project, "a").first?.contains("JobState=FAILED") == true)
        // An sbatch first on PATH that fails once, as a transient error would, then is Slurm's.
        let real = try #require(
            ["/usr/bin/sbatch", "/usr/local/bin/sbatch"].first(where: FileManager.default.isExecutableFile(atPath:)))
        let wrapper = """
            #!/bin/sh
            if [ ! -e '\(project.file("sbatch-failed"))' ]; then
              : > '\(project.file("sbatch-failed"))'
              echo 'sbatch: error: Batch job submission failed: Socket timed out on send/recv operation' >&2; exit 1
            fi
            exec \(real) "$@"

            """
        try project.write("bin/sbatch", wrapper)
        #expect(chmod(project.file("bin/sbatch"), 0o755) == 0)
        try project.write("pass", "")
        var failingOnce = environment
        failingOnce["PATH"] = project.file("bin") + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let fresh = try await OneshotBinary.run(["F1", "--fresh"] + slurm, in: project.path, environment: failingOnce)
        #expect(fresh.exitCode == 0, "\(fresh.stdout)\n\(fresh.stderr)")
        #expect(project.read("sbatch-failed") != nil, "the first sbatch failed")
        #expect(project.read("ledger") == "ran\nran\n", "submitted anew, run once more")
        let log = project.read(".sdp/logs/F1/a.log") ?? ""
        #expect(log.contains("of that name was submitted before this attempt, by an earlier run"), "\(log)")
        let lines = try await completions(project, "a", count: 2)
        #expect(lines.count == 2 && lines[1].contains("JobState=COMPLETED") && name.hasSuffix("-a-1"), "\(lines)")
    }

    @Test func aJobThatEndedWithoutAnExitStatusIsDecidedAtOnceFromSlurmsState() async throws {
        let project = try TemporaryProject()
        // The job script's shell killed outright (as the OOM killer would): its EXIT trap cannot
        // leave a status, and Slurm records the job FAILED.
        let killed = "echo start >> ledger; [ -f release ] || kill -9 $PPID; sleep 5"
        try project.workstream("F1", "build", run: killed, extra: "retries: 0\n")
        try project.workstream("F1", "pay", run: killed, extra: "idempotent: false\n")
        let started = ContinuousClock.now
        let result = try await OneshotBinary.run(["F1"] + slurm, in: project.path, environment: environment)
        // Without Slurm's word the run waited 30 s for an exit status that would never come.
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(result.exitCode == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("✗ build failed (error)"), "\(result.stdout)")
        #expect(result.stdout.contains("ended FAILED and left no exit status"), "\(result.stdout)")
        #expect(
            result.stdout.contains("ended FAILED without an exit status; as pay is idempotent: false it may have done part"),
            "\(result.stdout)")
        try project.write("release", "")
        let resume = try await OneshotBinary.run(["F1"] + slurm, in: project.path, environment: environment)
        #expect(resume.exitCode == 8, "\(resume.stdout)\n\(resume.stderr)")
        #expect(resume.stdout.contains("UNCERTAIN   pay"), "held, not run again: \(resume.stdout)")
        #expect(resume.stdout.contains("✓ build done"), "\(resume.stdout)")
        #expect(try await completions(project, "pay").count == 1)
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
        try project.gate("release")
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
        try project.gate("release")
        try project.workstream("F1", "agent", run: gated)
        let first = try OneshotBinary.start(["F1"] + slurm, in: project.path, environment: environment)
        #expect(await project.until { project.read("ledger") == "start\n" })
        kill(first.pid, SIGKILL)
        _ = try await first.finish()
        let second = try OneshotBinary.start(["F1", "--kill-orphans"] + slurm, in: project.path, environment: environment)
        #expect(await project.until { project.read("ledger") == "start\nstart\n" })
        try project.openGate("release")
        let result = try await second.finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("was still queued or running (Slurm job "), "\(result.stderr)")
        #expect(result.stderr.contains("cancelled it with scancel "))
        let cancelled = try await completions(project, "agent", attempt: 1)
        #expect(cancelled.count == 1 && cancelled[0].contains("JobState=CANCELLED"), "\(cancelled)")
        let rerun = try await completions(project, "agent", attempt: 2)
        #expect(rerun.count == 1 && rerun[0].contains("JobState=COMPLETED"), "attempts count across runs: \(rerun)")
    }
}
