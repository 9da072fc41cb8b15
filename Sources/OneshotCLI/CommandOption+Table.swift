import Oneshot

extension CommandOption {
    /// The options, in the order the run's help lists them (the other subcommands' help lists
    /// the options particular to it first).
    static let listed: [CommandOption] = [
        jobs, exec, retries, timeout, grace, deadline, features, directory, dryRun, failFast, keepGoing,
        rerun, only, assumeDepsDone,
        fresh, force, rerunUncertain, killOrphans, strictCheckpoint, checkpointGrace,
        executorKind, pollInterval, slurmPartition, slurmArguments,
        breakerThreshold, breakerWindow, breakerTimeout, breakerMaxBackoff, breakerMaxOpens, noBreaker, noWait,
        json, trace, report, heartbeat, color, verbose, quiet,
        dot, format, output, ids, follow, attempt, tail, checkpoint, logs, history, help, version,
    ]

    /// The subcommands that read a feature's files.
    private static let featureReaders: Set<HelpTopic> = [.run, .config, .plan, .export, .list, .log]
    /// The subcommands that make a run's selection.
    private static let selecting: Set<HelpTopic> = [.run, .config, .plan]

    // MARK: General

    static let jobs = setting("--jobs", "N", in: .general, "attempts running at once")
    static let exec = valued(
        "--exec", value: "TEMPLATE", in: selecting,
        "command for workstreams without 'run:'; placeholders {ws_id}, {feature_id}, {file}"
    ).saying("the command of workstreams without 'run:', as given to the run", for: .plan)
    static let retries = setting("--retries", "N", in: .general, "retries of a failed attempt when the file sets none")
    static let timeout = setting(
        "--timeout", "DURATION", in: .general, "time limit of an attempt when the file sets none (90s, 10m, 1h)")
    static let grace = setting("--grace", "DURATION", in: .general, "time between SIGTERM and SIGKILL when stopping a command")
    static let deadline = setting(
        "--deadline", "DURATION|TIME", in: .general,
        """
        stop by then: a duration from the start (50m) or an RFC 3339 time. Work whose known \
        duration would not fit is not started; at the deadline running work is stopped as on \
        SIGINT, the checkpoint saved, exit 7; the same command resumes. Choose it below the CI \
        job's limit by a margin that covers --grace and the checkpoint write: a 60m job with the \
        default 5s grace: --deadline 58m. Also 'deadline:' in .sdp/config.yml and \
        ONESHOT_DEADLINE (a flag wins, then the environment)
        """)
    static let features = valued(
        "--features", value: "DIR", in: featureReaders, "read every *.md under DIR whose feature_id is <feature-id>"
    ).saying("where the feature's files are, to check the id", for: .log).defaulting(to: "features/<feature-id>")
    static let directory = valued(
        "--directory", "-C", value: "DIR", in: Set(HelpTopic.allCases).subtracting([.completions]), "the project root"
    ).saying("run as if started in DIR (the project root)", for: .run)
    static let dryRun = `switch`("--dry-run", in: runAndConfig, "show the plan, run nothing (as 'oneshot plan')")
    static let failFast = `switch`(
        "--fail-fast", in: runAndConfig,
        """
        stop launching after the first failure (a workstream failed with no retry left): running \
        work finishes, the rest is not started, exit 1; the same command resumes
        """)
    static let keepGoing = `switch`(
        "--keep-going", "-k", in: runAndConfig, "the default: a failure skips only what depends on it")
    static let help = `switch`("--help", "-h", in: Set(HelpTopic.allCases), "show this help")
    static let version = `switch`("--version", "-V", in: [.run], "show the version")

    // MARK: Selection

    static let rerun = valued(
        "--rerun", value: "ID", in: selecting, group: .selection,
        """
        run ID again even though it is done (in the checkpoint or the history), and everything \
        downstream of it; repeatable
        """
    ).saying("show the selection a run with --rerun ID would make; repeatable", for: .plan)
    static let only = valued(
        "--only", value: "ID", in: selecting, group: .selection,
        """
        run exactly ID, trusting its dependencies are done elsewhere (a CI system that schedules \
        itself); repeatable. Refused (exit 2) when a dependency is not recorded done, unless \
        --assume-deps-done is given
        """
    ).saying("show the selection a run with --only ID would make (exit 2 where it is refused); repeatable", for: .plan)
    static let assumeDepsDone = `switch`(
        "--assume-deps-done", in: selecting, group: .selection,
        "with --only: take the dependencies of ID as done even when they are not recorded done")

    // MARK: Checkpoint and resume

    static let fresh = `switch`(
        "--fresh", in: runAndConfig, group: .resume,
        "discard the checkpoint and start over (what the last successful run left in .sdp/history still counts)")
    static let force = `switch`(
        "--force", in: runAndConfig, group: .resume, "run every workstream: ignore the history and discard the checkpoint")
    static let rerunUncertain = `switch`(
        "--rerun-uncertain", in: runAndConfig, group: .resume,
        """
        also re-run 'idempotent: false' workstreams that were running when an earlier run died \
        (a workstream's 'verify:' command, run first on a resume, settles them without it: exit 0 \
        keeps the work as completed; otherwise it is held, exit 8)
        """)
    static let killOrphans = `switch`(
        "--kill-orphans", in: runAndConfig, group: .resume,
        """
        terminate the attempts an earlier run left running, instead of waiting for them \
        (adopting them) and keeping their outcome
        """)
    static let strictCheckpoint = setting(
        "--strict-checkpoint", nil, in: .resume, "stop the run if the checkpoint cannot be written (default: warn)")
    static let checkpointGrace = setting(
        "--checkpoint-grace", "DURATION", in: .resume,
        """
        when nothing can be written (a full disk) or attempts cannot be started (no descriptors) \
        for this long, stop launching, let running attempts end, exit 6
        """)

    // MARK: Executor

    static let executorKind = setting(
        "--executor", "KIND", in: .executor,
        """
        where attempts run: processes here (local), or one detached sbatch job each (slurm), \
        polled with one squeue per --poll-interval and stopped with scancel; 'slurm:' with \
        'partition:' and 'args: [...]' in .sdp/config.yml, 'slurm_args:' in a workstream file
        """, choices: ExecutorSettings.Kind.allCases.map(\.rawValue))
    static let pollInterval = setting(
        "--poll-interval", "DURATION", in: .executor, "time between two looks at the remote jobs (one squeue each)")
    static let slurmPartition = setting(
        "--slurm-partition", "NAME", in: .executor, "the partition of every job (default: Slurm's)")
    static let slurmArguments = setting(
        "--slurm-args", "'ARGS'", in: .executor, "extra sbatch arguments of every job ('--qos=low --time=10')")

    // MARK: Breaker

    static let breakerThreshold = setting(
        "--breaker-threshold", "N", in: .breaker, "distinct workstreams failed in the window that trip the breaker")
    static let breakerWindow = setting(
        "--breaker-window", "N", in: .breaker, "workstreams counted, each by its latest outcome")
    static let breakerTimeout = setting(
        "--breaker-timeout", "DURATION", in: .breaker, "first open period, doubled per trip in a row")
    static let breakerMaxBackoff = setting("--breaker-max-backoff", "DURATION", in: .breaker, "longest open period")
    static let breakerMaxOpens = setting(
        "--breaker-max-opens", "N", in: .breaker, "trips in a row before giving up, exit 4")
    static let noBreaker = setting("--no-breaker", nil, in: .breaker, "run without a circuit breaker")
    static let noWait = `switch`(
        "--no-wait", in: runAndConfig, group: .breaker, "if the restored breaker is still open, exit 4 at once")

    // MARK: Output

    static let json = `switch`(
        "--json", in: [.run, .config, .status, .plan, .list], group: .output,
        "one JSON object for machines"
    ).saying(
        "JSON Lines events on stdout (Schemas/events.schema.json); the lines for people go to stderr", for: .run
    ).saying("one JSON object for machines (Schemas/status.schema.json)", for: .status)
        .saying("one JSON object for machines (Schemas/plan.schema.json)", for: .plan)
        .saying("one JSON object for machines (Schemas/list.schema.json)", for: .list)
        .saying("one JSON object for machines: {\"settings\": {…}} as above", for: .config)
    static let trace = valued(
        "--trace", value: "FILE", in: runAndConfig, group: .output, "at the end, write the run's Chrome trace to FILE")
    static let report = setting(
        "--report", nil, in: .output,
        "after a run that failed or was resumed, write .sdp/reports/<feature-id>.html (also 'report: auto')")
    static let heartbeat = setting(
        "--heartbeat", "DURATION|off", in: .output,
        """
        under CI (CI set, no terminal): a line naming the running workstreams and their time, \
        this often (at least 1s). Also 'heartbeat:' and ONESHOT_HEARTBEAT
        """)
    static let color = setting(
        "--color", "WHEN", in: .output,
        """
        colour of the lines for people: auto is on a terminal; FORCE_COLOR turns it on, as CI \
        logs render it, NO_COLOR off. Also 'color:' in .sdp/config.yml
        """, choices: ColorChoice.allCases.map(\.rawValue))
    static let verbose = `switch`(
        "--verbose", "-v", in: runAndConfig, group: .output,
        "stream each running workstream's output, each line prefixed with its id")
    static let quiet = `switch`(
        "--quiet", "-q", in: runAndConfig, group: .output, "show only failures, warnings and the summary")

    // MARK: Other subcommands

    static let dot = `switch`("--dot", in: [.plan], "a Graphviz picture of the DAG, coloured by state")
    static let format = valued(
        "--format", value: "FORMAT", in: [.export], "github-actions (a workflow) or gitlab-ci (a .gitlab-ci.yml)"
    ).choosing(ExportFormat.allCases.map(\.rawValue))
    static let output = valued("--output", "-o", value: "FILE", in: [.trace, .report, .export], "write to FILE")
        .saying("write to FILE (default: standard output; '-' too)", for: .trace)
        .saying("write to FILE ('-': standard output; default .sdp/reports/<feature-id>.html)", for: .report)
        .saying("write it to FILE (atomically) instead of stdout", for: .export)
    static let ids = `switch`("--ids", in: [.list], "only the ids, one a line (for scripts and shell completion)")
    static let follow = `switch`(
        "--follow", "-f", in: [.log],
        "go on printing what the running attempt writes; ends when that attempt ends, or when the run does")
    static let attempt = valued("--attempt", value: "N", in: [.log], "only attempt N (the latest one so numbered)")
    static let tail = valued("--tail", "-n", value: "N", in: [.log], "only the last N lines")
    static let checkpoint = `switch`("--checkpoint", in: [.clean], "only the checkpoint and its journal")
    static let logs = `switch`("--logs", in: [.clean], "only the logs")
    static let history = `switch`("--history", in: [.clean], "only the history (the next run runs everything)")
}
