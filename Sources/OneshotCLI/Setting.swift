import Oneshot

/// A run setting that both a flag and `.sdp/config.yml` can give: one table, so the two never
/// disagree on names, ranges or messages.
struct Setting: Sendable {
    /// The key in `.sdp/config.yml` (`breaker_timeout` or, nested, `breaker:` / `timeout:`).
    let key: String
    /// The command-line flag.
    let flag: String
    /// A short name of the flag (`-j`).
    var short: String? = nil
    /// One line for `oneshot config` and the README.
    let summary: String
    /// For a flag that takes no value (`--no-breaker`), the value it gives the setting.
    var switchValue: String? = nil
    /// Parses `value` (named `source` in messages) into the arguments.
    let apply: @Sendable (inout RunArguments, String, String) throws(UsageError) -> Void
    /// The current value, printed.
    let show: @Sendable (RunArguments) -> String

    static let all: [Setting] = [
        Setting(key: "jobs", flag: "--jobs", short: "-j", summary: "attempts running at once") {
            run, value, source throws(UsageError) in
            run.jobs = try integer(value, source, 1...100_000)
        } show: {
            "\($0.jobs)"
        },
        Setting(key: "exec", flag: "--exec", summary: "command template for workstreams without run:") { run, value, _ in
            run.execTemplate = value
        } show: {
            $0.execTemplate ?? "(none)"
        },
        Setting(key: "retries", flag: "--retries", summary: "retries of a failed attempt") {
            run, value, source throws(UsageError) in
            run.retries = try integer(value, source, 0...1000)
        } show: {
            "\($0.retries)"
        },
        Setting(key: "timeout", flag: "--timeout", summary: "time limit of an attempt") { run, value, source throws(UsageError) in
            run.timeout = try duration(value, source)
        } show: {
            $0.timeout.map(DurationText.format) ?? "(none)"
        },
        Setting(key: "grace", flag: "--grace", summary: "SIGTERM to SIGKILL") { run, value, source throws(UsageError) in
            run.grace = try duration(value, source)
        } show: {
            DurationText.format($0.grace)
        },
        Setting(key: "features", flag: "--features", summary: "tree of files selected by feature_id") { run, value, _ in
            run.featuresFolder = value
        } show: {
            $0.featuresFolder ?? "features/<feature-id>"
        },
        Setting(
            key: "strict_checkpoint", flag: "--strict-checkpoint", summary: "stop when the checkpoint cannot be written",
            switchValue: "true"
        ) {
            run, value, source throws(UsageError) in
            run.strictCheckpoint = try boolean(value, source)
        } show: {
            "\($0.strictCheckpoint)"
        },
        Setting(
            key: "checkpoint_grace", flag: "--checkpoint-grace", summary: "longest time nothing can be written before exit 6"
        ) { run, value, source throws(UsageError) in
            run.checkpointGrace = try duration(value, source)
        } show: {
            DurationText.format($0.checkpointGrace)
        },
        Setting(
            key: "deadline", flag: "--deadline", summary: "stop by then and exit 7: a duration from the start, or a time"
        ) { run, value, source throws(UsageError) in
            guard let deadline = RunDeadline(parsing: value) else {
                throw UsageError(
                    .invalidValue(
                        source: source, value: value,
                        expected: "a duration from the start such as 50m, or a time such as 2026-11-29T18:00:00Z"))
            }
            run.deadline = deadline
        } show: {
            $0.deadline?.description ?? "(none)"
        },
        Setting(
            key: "report", flag: "--report", summary: "write .sdp/reports/<feature>.html after a failed or resumed run",
            switchValue: "true"
        ) { run, value, source throws(UsageError) in
            // `auto` is the config file's spelling: a report when there is something to look at.
            run.report = value.lowercased() == "auto" ? true : try boolean(value, source)
        } show: {
            $0.report ? "auto" : "off"
        },
        Setting(key: "color", flag: "--color", summary: "colour: auto (terminal, FORCE_COLOR, NO_COLOR), always, never") {
            run, value, source throws(UsageError) in
            guard let choice = ColorChoice(rawValue: value) else {
                throw UsageError(.invalidValue(source: source, value: value, expected: "auto, always or never"))
            }
            run.color = choice
        } show: {
            $0.color.rawValue
        },
        Setting(key: "heartbeat", flag: "--heartbeat", summary: "under CI, a line naming running work this often (off: none)") {
            run, value, source throws(UsageError) in
            run.heartbeat = try heartbeat(value, source)
        } show: {
            $0.heartbeat.map(DurationText.format) ?? "off"
        },
        Setting(key: "breaker_enabled", flag: "--no-breaker", summary: "use the circuit breaker", switchValue: "false") {
            run, value, source throws(UsageError) in
            run.noBreaker = !(try boolean(value, source))
        } show: {
            "\(!$0.noBreaker)"
        },
        Setting(
            key: "breaker_threshold", flag: "--breaker-threshold",
            summary: "distinct workstreams failed in the window that trip it"
        ) {
            run, value, source throws(UsageError) in
            run.breakerSettings.threshold = try integer(value, source, 1...1_000_000)
        } show: {
            "\($0.breakerSettings.threshold)"
        },
        Setting(key: "breaker_window", flag: "--breaker-window", summary: "workstreams counted, by latest outcome") {
            run, value, source throws(UsageError) in
            run.breakerSettings.window = try integer(value, source, 1...1_000_000)
        } show: {
            "\($0.breakerSettings.window)"
        },
        Setting(key: "breaker_timeout", flag: "--breaker-timeout", summary: "first open period") {
            run, value, source throws(UsageError) in
            run.breakerSettings.openTimeout = try duration(value, source)
        } show: {
            DurationText.format($0.breakerSettings.openTimeout)
        },
        Setting(key: "breaker_max_backoff", flag: "--breaker-max-backoff", summary: "longest open period") {
            run, value, source throws(UsageError) in
            run.breakerSettings.maxBackoff = try duration(value, source)
        } show: {
            DurationText.format($0.breakerSettings.maxBackoff)
        },
        Setting(key: "breaker_max_opens", flag: "--breaker-max-opens", summary: "trips in a row before giving up") {
            run, value, source throws(UsageError) in
            run.breakerSettings.maxOpens = try integer(value, source, 1...1_000_000)
        } show: {
            "\($0.breakerSettings.maxOpens)"
        },
        executorKind, pollInterval, slurmPartition, slurmArguments,
    ]

    /// The setting a flag sets, if any (`-j` is `--jobs`).
    static func forFlag(_ flag: String) -> Setting? {
        all.first { $0.flag == flag || $0.short == flag }
    }

    private static func integer(_ text: String, _ source: String, _ range: ClosedRange<Int>) throws(UsageError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw UsageError(
                .invalidValue(
                    source: source, value: text, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)"))
        }
        return value
    }

    private static func duration(_ text: String, _ source: String) throws(UsageError) -> Duration {
        guard let value = DurationText.parse(text) else {
            throw UsageError(.invalidValue(source: source, value: text, expected: "a duration such as 90s, 10m or 1h"))
        }
        return value
    }

    /// A heartbeat period: checked once a second, so at least that; `off` for none.
    private static func heartbeat(_ text: String, _ source: String) throws(UsageError) -> Duration? {
        if text == "off" { return nil }
        guard let value = DurationText.parse(text), value >= .seconds(1) else {
            throw UsageError(
                .invalidValue(source: source, value: text, expected: "a duration of at least 1s such as 60s or 5m, or off"))
        }
        return value
    }

    private static func boolean(_ text: String, _ source: String) throws(UsageError) -> Bool {
        guard let value = YAMLScalar.boolean(text) else {
            throw UsageError(.invalidValue(source: source, value: text, expected: "true or false"))
        }
        return value
    }
}
