/// `oneshot --help`.
public enum HelpText {
    /// The version `--version` prints.
    public static let version = "0.1.0"

    /// The help text of `topic`.
    public static func text(for topic: HelpTopic) -> String {
        switch topic {
        case .run: text
        case .status: statusText
        case .plan: planText
        case .config: configText
        case .trace: traceText
        case .report: reportText
        case .export: exportText
        case .list: listText
        case .log: logText
        case .clean: cleanText
        case .completions: completionsText
        }
    }

    /// `oneshot list --help`.
    static var listText: String {
        """
        oneshot list — the features and where each stands, or a feature's workstreams.

        USAGE
          oneshot list [--json | --ids] [-C DIR]
          oneshot list <feature-id> [--json | --ids] [--features DIR] [-C DIR]

        Without a feature: every folder under features/ and every feature with a
        checkpoint or a history, with its state: never run, running (the pid holding the
        lock, N/M done), interrupted (N/M done), failed (N/M done), up to date or out of
        date (the last run succeeded; what changed since would run again), and when it
        last succeeded.
        With a feature: its workstreams with their state (completed, running, uncertain,
        failed, interrupted, skipped, pending, or 'to run' when changed since the last
        success), what each depends on, and its title. Reads only: takes no lock, writes
        nothing.

        \(options(for: .list))

        EXAMPLES
          oneshot list
          oneshot list F052 --json
        """
    }

    /// `oneshot log --help`.
    static var logText: String {
        """
        oneshot log — print a workstream's log.

        USAGE
          oneshot log <feature-id> <ws-id> [--attempt N] [--tail N] [-f] [-C DIR]

        Prints .sdp/logs/<feature-id>/<ws-id>.log: every attempt, each under its header
        line ('=== <ws-id> attempt N · time · command') and closed by the line that says
        how it ended.

        \(options(for: .log))

        EXAMPLES
          oneshot log F052 00-052-06
          oneshot log F052 00-052-06 --attempt 2 --tail 20
          oneshot log F052 00-052-06 -f

        Exit 0; 2 for an id the feature does not have (and has no log of) or an attempt
        the log does not hold; 5 when the workstream has not run yet.
        """
    }

    /// `oneshot clean --help`.
    static var cleanText: String {
        """
        oneshot clean — remove what runs of a feature left.

        USAGE
          oneshot clean <feature-id> [--checkpoint] [--logs] [--history] [-C DIR]

        Removes the checkpoint and its journal (.sdp/checkpoints/<feature-id>-*), the
        last successful run's record (.sdp/history/<feature-id>.json) and the logs
        (.sdp/logs/<feature-id>/); with any of the options, only those. The next run
        then starts from nothing. Takes the feature's lock while it works.

        \(options(for: .clean))

        EXAMPLES
          oneshot clean F052
          oneshot clean F052 --logs

        Exit 0; 3 while a run holds the lock, or while an attempt a stopped run left
        behind still runs (its checkpoint tracks it: run the feature to wait for it
        first).
        """
    }

    /// `oneshot completions --help`.
    static var completionsText: String {
        """
        oneshot completions — print a shell completion script.

        USAGE
          oneshot completions bash|zsh|fish

        Completes subcommands, flags, feature ids (oneshot list --ids) and workstream
        ids (oneshot list <feature-id> --ids).

        \(options(for: .completions))

        EXAMPLES
          source <(oneshot completions bash)                     # in ~/.bashrc
          oneshot completions zsh > "${fpath[1]}/_oneshot"
          oneshot completions fish > ~/.config/fish/completions/oneshot.fish
        """
    }

    /// `oneshot status --help`.
    static var statusText: String {
        """
        oneshot status — show a feature's checkpoint without disturbing a running run.

        USAGE
          oneshot status <feature-id> [--json] [-C DIR]

        Shows each workstream's state (completed, running, uncertain, failed,
        interrupted, skipped, pending), its attempts and time, the circuit breaker, and
        the runs, time and cost so far. Takes no lock: the writer's atomic rename makes
        every read whole.

        \(options(for: .status))

        EXAMPLES
          oneshot status F052
          oneshot status F052 --json | python3 -m json.tool

        With no checkpoint, shows the record the last successful run left
        (.sdp/history/<feature-id>.json): when it finished, its time, cost and
        workstreams, and whether the feature is up to date or what a run would run
        again, and why.

        Exit 0 with a checkpoint or a history, 5 with neither (never ran), 6 if the
        checkpoint cannot be read.
        """
    }

    /// `oneshot plan --help`.
    static var planText: String {
        """
        oneshot plan — show what a run would do; execute nothing, write nothing.

        USAGE
          oneshot plan <feature-id> [ID…] [--rerun ID] [--only ID [--assume-deps-done]]
                       [--json | --dot] [--exec TEMPLATE] [--features DIR] [-C DIR]
          oneshot <feature-id> --dry-run

        Shows the waves (workstreams that can run together), the critical path with its
        estimated length (from earlier runs' durations, when the checkpoint has them),
        and, when a checkpoint exists, what a resume would skip, retry, treat as
        uncertain or hold. It checks the feature as the run does: exit 2 where the run
        would refuse to start (a workstream left to run with no 'run:' and no --exec).
        Ids after the feature, --rerun, --only and --assume-deps-done show the selection
        a run with them would make (see 'oneshot --help').

        \(options(for: .plan))

        EXAMPLES
          oneshot plan F052
          oneshot plan F052 00-052-09 --rerun 00-052-06
          oneshot plan F052 --dot | dot -Tsvg > F052.svg
        """
    }

    /// `oneshot config --help`.
    static var configText: String {
        """
        oneshot config — print the effective run settings and where each came from.

        USAGE
          oneshot config [--json] [run flags] [-C DIR]

        Settings come from the defaults, then .sdp/config.yml, then flags (the last
        wins). The file is a small strict subset of YAML: 'key: value' lines, and
        'breaker:' with indented 'threshold:', 'window:', 'timeout:', 'max_backoff:',
        'max_opens:', 'enabled:'. Every problem of the file is reported at once, with
        its line and key. --json prints
        {"settings": {"<key>": {"value": …, "source": …}}}.

        \(options(for: .config))

        SETTINGS (config key, flag, meaning)
        \(settingsTable)

        EXAMPLE .sdp/config.yml
          jobs: 4
          exec: 'claude -p "@build {ws_id}"'
          timeout: 10m
          breaker:
            threshold: 3
            timeout: 60s

        EXAMPLES
          oneshot config
          oneshot config -j 8
          oneshot config --json
        """
    }

    /// The full help text.
    public static var text: String {
        """
        oneshot — run workstreams as a dependency graph, concurrently, resumably.

        USAGE
          oneshot <feature-id> [options]        run (or resume) a feature
          oneshot <feature-id> ID… [options]    run those workstreams and what they
                                                depend on
          oneshot plan <feature-id> [--json|--dot]
                                                show what a run would do
          oneshot status <feature-id> [--json]  show its checkpoint without disturbing
                                                a run
          oneshot config                        show the effective settings and their
                                                sources
          oneshot trace <feature-id> [-o FILE]  the run as a Chrome trace (Perfetto)
          oneshot report <feature-id> [-o FILE] the run as an HTML page with a Gantt
                                                chart
          oneshot export <feature-id> --format github-actions|gitlab-ci
                                                as a CI pipeline
          oneshot list [<feature-id>] [--json]  the features and their state, or a
                                                feature's workstreams with state,
                                                dependencies, title
          oneshot log <feature-id> <ws-id> [-f] [--attempt N] [--tail N]
                                                a workstream's log
          oneshot clean <feature-id> [--checkpoint] [--logs] [--history]
                                                remove what runs left
          oneshot completions bash|zsh|fish     a shell completion script
          oneshot help <topic>                  help of a subcommand: plan, status,
                                                config, trace, report, export, list,
                                                log, clean, completions

        Reads features/<feature-id>/**/*.md (YAML front matter or a '## Metadata' list),
        builds the dependency graph, and runs every workstream as soon as its
        dependencies are done. Progress is saved in
        .sdp/checkpoints/<feature-id>-checkpoint.json after every batch; if the run is
        killed or interrupted, the same command resumes it. On success the checkpoint is
        removed and .sdp/history/<feature-id>.json records what succeeded: the next run
        runs only the workstreams whose definition (command, dependencies, outputs)
        changed, whose outputs are missing, or that are new, with what depends on them;
        when nothing did, it says the feature is up to date and exits 0.

        \(options(for: .run))

        TARGETS
          Ids after the feature run those workstreams and what they depend on, nothing
          else, as ninja's targets; an unknown id exits 2. Checkpoint and history
          apply as usual: a target run that succeeds while other workstreams never ran
          keeps the checkpoint, and the next 'oneshot <feature-id>' runs the rest.
          'plan' takes the same ids and flags.

        RESUMING
          The checkpoint records the run's settings (-j, --exec, --retries, --timeout,
          --grace, --features, --deadline, the checkpoint and breaker settings). A
          resume uses them and says so: "resuming with the settings of the interrupted
          run: --exec '…' -j 4". A flag given on the resume wins and is recorded.
          Precedence: flag, environment, the interrupted run's settings,
          .sdp/config.yml, default. --fresh and --force do not use the recorded
          settings.

        EXAMPLES
          oneshot F052
          oneshot F052 00-052-06 00-052-09
          oneshot F052 --rerun 00-052-06
          oneshot F052 --only 00-052-06 --assume-deps-done
          oneshot F052 -j 8 --retries 2 --timeout 10m
          oneshot F052 --exec 'claude -p "@build {ws_id}"'
          oneshot F052 --features docs/workstreams
          oneshot status F052 --json

        Defaults for a project: .sdp/config.yml (see 'oneshot help config').
        Logs: .sdp/logs/<feature-id>/<ws_id>.log (every attempt appended). A command
        may write {"cost_usd": 0.42} to the file named by $ONESHOT_REPORT; costs add up
        across resumes.

        EXIT CODES
        \(exitCodesTable)
        """
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

/// `1 workstream`, `3 workstreams`.
func plural(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}
