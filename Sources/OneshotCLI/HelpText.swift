/// `oneshot --help`.
public enum HelpText {
    /// The version `--version` prints.
    public static let version = "0.1.0"

    /// The full help text.
    public static var text: String {
        let codes = ExitCode.allCases.map { code in
            "  \(String(code.rawValue).padding(to: 5))\(code.meaning)"
        }.joined(separator: "\n")
        return """
            oneshot — run a feature's workstreams as a dependency graph, concurrently, resumably.

            USAGE
              oneshot <feature-id> [options]        run (or resume) a feature
              oneshot status <feature-id> [--json]  show its checkpoint without disturbing a run

            Reads features/<feature-id>/**/*.md (YAML front matter or a '## Metadata' list), builds
            the dependency graph, and runs every workstream as soon as its dependencies are done.
            Progress is saved in .sdp/checkpoints/<feature-id>-checkpoint.json after every batch; if
            the run is killed or interrupted, the same command resumes it. On success the
            checkpoint is removed.

            OPTIONS
              -j, --jobs N          attempts running at once (default 3)
              --exec TEMPLATE       command for workstreams without 'run:'; placeholders
                                    {ws_id}, {feature_id}, {file}
              --retries N           retries of a failed attempt when the file sets none (default 0)
              --timeout DURATION    time limit of an attempt when the file sets none (90s, 10m, 1h)
              --grace DURATION      time between SIGTERM and SIGKILL when stopping a command (default 5s)
              --features DIR        read every *.md under DIR whose feature_id is <feature-id>
              -C DIR                run as if started in DIR (the project root)
              --fresh               discard the checkpoint and start over
              --rerun-uncertain     also re-run 'idempotent: false' workstreams that were running
                                    when an earlier run died
              --strict-checkpoint   stop the run if the checkpoint cannot be written (default: warn)
              --breaker-threshold N      failures in the window that trip the breaker (default 3)
              --breaker-window N         outcomes counted (default 5)
              --breaker-timeout DURATION first open period, doubled per trip in a row (default 60s)
              --breaker-max-backoff DURATION  longest open period (default 5m)
              --breaker-max-opens N      trips in a row before giving up, exit 4 (default 3)
              --no-breaker               run without a circuit breaker
              --no-wait                  if the restored breaker is still open, exit 4 at once
              -h, --help            show this help
              -V, --version         show the version

            EXAMPLES
              oneshot F052
              oneshot F052 -j 8 --retries 2 --timeout 10m
              oneshot F052 --exec 'claude -p "@build {ws_id}"'
              oneshot F052 --features docs/workstreams
              oneshot status F052 --json

            Logs: .sdp/logs/<feature-id>/<ws_id>.log (every attempt appended). A command may write
            {"cost_usd": 0.42} to the file named by $ONESHOT_REPORT; costs add up across resumes.

            EXIT CODES
            \(codes)
            """
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
