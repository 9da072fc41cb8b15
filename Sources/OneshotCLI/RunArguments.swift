import OneshotBreaker
import OneshotWorkstreams

/// The parsed command line of `oneshot F052 [options]`.
public struct RunArguments: Sendable, Equatable {
    /// The feature to run.
    public var featureID: String = ""
    /// `-j`: attempts running at once.
    public var jobs: Int = 3
    /// `--features DIR`: a tree of files selected by `feature_id`.
    public var featuresFolder: String?
    /// `--exec TEMPLATE`: the command of workstreams without `run:`.
    public var execTemplate: String?
    /// `--retries N`.
    public var retries: Int = 0
    /// `--timeout DURATION`.
    public var timeout: Duration?
    /// `--grace DURATION`: between SIGTERM and SIGKILL.
    public var grace: Duration = .seconds(5)
    /// `-C DIR`: the project root.
    public var projectRoot: String?
    /// `--fresh`: discard the checkpoint and start over.
    public var fresh = false
    /// `--force`: run every workstream, whatever the history and the checkpoint say.
    public var force = false
    /// `--checkpoint-grace DURATION`: how long nothing may be written to the checkpoint (a full
    /// disk), or attempts fail for oneshot's own reasons, before the run stops (exit 6).
    public var checkpointGrace: Duration = .seconds(60)
    /// `--deadline`: when the run stops launching, interrupts what runs, saves and exits 7.
    public var deadline: RunDeadline?
    /// `--strict-checkpoint`: stop the run when the checkpoint cannot be written.
    public var strictCheckpoint = false
    /// `--rerun-uncertain`: run again non-idempotent workstreams that were running at a crash.
    public var rerunUncertain = false
    /// `--kill-orphans`: terminate an earlier run's attempts that still run, instead of adopting them.
    public var killOrphans = false
    /// The breaker's settings as given (`--breaker-threshold`, `--breaker-window`,
    /// `--breaker-timeout`, `--breaker-max-backoff`, `--breaker-max-opens`, `breaker:` in
    /// `.sdp/config.yml`), checked together by ``validate()``.
    public var breakerSettings = BreakerSettings()
    /// The breaker's configuration: ``breakerSettings`` once ``validate()`` has checked them.
    public var breaker = BreakerConfiguration()
    /// `--no-breaker`: run without a circuit breaker.
    public var noBreaker = false
    /// `--no-wait`: if the restored breaker is still open, exit at once instead of waiting.
    public var noWait = false
    /// `--json`: JSON Lines events on stdout, the human lines on stderr.
    public var json = false
    /// `--dry-run`: show the plan, run nothing (the same as `oneshot plan`).
    public var dryRun = false
    /// Where attempts run: `--executor`, `--poll-interval`, `slurm:` in `.sdp/config.yml`.
    public var executor = ExecutorSettings()
    /// `--trace FILE`: write the run's Chrome trace there at its end.
    public var tracePath: String?
    /// `--report` or `report: auto`: write `.sdp/reports/<feature>.html` at the end of a run that
    /// failed or was resumed.
    public var report = false
    /// `--color`: whether the lines for people carry colour.
    public var color = ColorChoice.auto
    /// `--heartbeat`: under `CI` without a terminal, how often a line names the running
    /// workstreams; `nil` (`off`) for never.
    public var heartbeat: Duration? = .seconds(60)
    /// `--fail-fast`: stop launching once a workstream failed with no retry left; `-k` /
    /// `--keep-going` (the default) skips only its dependents.
    public var failFast = false
    /// `-v` / `-q`: how much of the run people see.
    public var verbosity = Verbosity.normal
    /// Where each ``Setting`` that is not a default came from: a flag, or `.sdp/config.yml:LINE`.
    public var sources: [String: String] = [:]
    /// The workstreams to run (`oneshot F052 ID…`, `--rerun`, `--only`); empty: the whole feature.
    public var selection = TargetArguments()

    /// Checks the settings together, once flags, the environment, the recorded settings and the
    /// configuration file are merged (``merge(recorded:checkpoint:)``), and makes ``breaker``.
    ///
    /// - Throws: ``UsageError`` naming the settings in conflict and where each came from.
    public mutating func validate() throws(UsageError) {
        do {
            breaker = try breakerSettings.configuration()
        } catch {
            throw UsageError(problem(error))
        }
    }

    /// Creates the defaults.
    public init() {}
}

/// The parsed command line of `oneshot status F052`.
public struct StatusArguments: Sendable, Equatable {
    /// The feature.
    public var featureID: String = ""
    /// `--json`: one JSON object for machines.
    public var json = false
    /// `-C DIR`: the project root.
    public var projectRoot: String?

    /// Creates the defaults.
    public init() {}
}

/// The subcommands with a help text of their own.
public enum HelpTopic: String, Sendable, Equatable, CaseIterable {
    /// `oneshot <feature>`.
    case run
    /// `oneshot status`.
    case status
    /// `oneshot plan`.
    case plan
    /// `oneshot config`.
    case config
    /// `oneshot trace`.
    case trace
    /// `oneshot report`.
    case report
    /// `oneshot export`.
    case export
    /// `oneshot list`.
    case list
    /// `oneshot log`.
    case log
    /// `oneshot clean`.
    case clean
    /// `oneshot completions`.
    case completions
}

/// The parsed command line of `oneshot config`.
public struct ConfigArguments: Sendable, Equatable {
    /// `-C DIR`.
    public var projectRoot: String?
    /// Run flags to combine with the file, e.g. `-j 8`.
    public var runArguments: [String] = []
    /// `--json`: the settings as one JSON object.
    public var json = false

    /// Creates the defaults.
    public init() {}
}

/// The parsed command line of `oneshot plan F052`.
public struct PlanArguments: Sendable, Equatable {
    /// The feature.
    public var featureID: String = ""
    /// `--json`.
    public var json = false
    /// `--dot`: Graphviz.
    public var dot = false
    /// `--features DIR`.
    public var featuresFolder: String?
    /// `--exec TEMPLATE`: the command of workstreams without `run:`, as the run would be given it.
    public var execTemplate: String?
    /// `-C DIR`.
    public var projectRoot: String?
    /// The workstreams a run would run (`plan F052 ID…`, `--rerun`, `--only`).
    public var selection = TargetArguments()

    /// Creates the defaults.
    public init() {}
}

/// What the command line asks for.
public enum Invocation: Sendable, Equatable {
    /// Run a feature.
    case run(RunArguments)
    /// Show a feature's checkpoint.
    case status(StatusArguments)
    /// Show what a run would do.
    case plan(PlanArguments)
    /// Print the help text of a subcommand.
    case help(HelpTopic)
    /// Print the effective settings and where each came from.
    case config(ConfigArguments)
    /// Print the version.
    case version
    /// Write a run's trace or report.
    case picture(PictureArguments)
    /// Write the feature as a CI pipeline.
    case export(ExportArguments)
    /// List the features, or a feature's workstreams.
    case list(ListArguments)
    /// Print a workstream's log.
    case log(LogArguments)
    /// Remove what runs of a feature left.
    case clean(CleanArguments)
    /// Print a shell's completion script (`bash`, `zsh` or `fish`).
    case completions(String)
}
