import Foundation
import Oneshot
import OneshotSystem

/// The run settings a checkpoint records, and how a resume takes them back.
///
/// Precedence, highest first: a flag, the environment, the interrupted run's recorded settings,
/// `.sdp/config.yml`, the default. A resume continues one run: its settings were resolved once,
/// from the flags, environment and file of the run that started it, and a configuration file
/// edited (or checked out at another commit) in between must not change half a run — half the
/// workstreams under another `--exec`. A flag on the resume is a deliberate change, and is
/// recorded from then on; the environment is what a CI job sets for itself (its deadline).
enum RunSettings {
    /// The settings recorded: every setting that shapes what the run does, keyed as in
    /// `.sdp/config.yml`. Not `-C`, which finds the checkpoint, nor what one invocation decides
    /// (`--fresh`, `--force`, `--rerun-uncertain`, `--kill-orphans`, `--no-wait`, `--json`).
    static let recordedKeys = [
        "exec", "jobs", "retries", "timeout", "grace", "features", "strict_checkpoint", "checkpoint_grace", "deadline",
        "breaker_enabled", "breaker_threshold", "breaker_window", "breaker_timeout", "breaker_max_backoff",
        "breaker_max_opens",
    ]

    /// What ``RunArguments/sources`` names a recorded setting's source.
    static let source = "the interrupted run's checkpoint"

    /// What a resume took from the checkpoint.
    struct Resumed: Sendable, Equatable {
        /// The flags, shell-quoted, that give the recorded values that differ from what this run
        /// would use without them (`--exec '…'`, `-j 4`).
        var flags: [String] = []
        /// Recorded settings not used, and why.
        var notes: [String] = []

        /// `resuming with the settings of the interrupted run: --exec '…' -j 4`, or `nil` when
        /// they change nothing.
        var line: String? {
            flags.isEmpty ? nil : "resuming with the settings of the interrupted run: \(flags.joined(separator: " "))"
        }
    }

    /// This run's effective settings, to record.
    static func record(_ run: RunArguments) -> RecordedSettings {
        RecordedSettings(values: Dictionary(uniqueKeysWithValues: recordedKeys.map { ($0, value(of: $0, in: run)) }))
    }

    /// The settings the checkpoint of `featureID` records, read before the run takes the lock
    /// (the rename makes every read whole): they decide which files make the feature. Only the
    /// snapshot's `settings` member is decoded (the journal never changes it), not the records
    /// of every workstream, which the session loads anyway. `nil` when there is no checkpoint or it
    /// cannot be read (the run then reports it and salvages what it can).
    static func recorded(featureID: String) -> RecordedSettings? {
        struct Snapshot: Decodable {
            var settings: RecordedSettings?
        }
        let path = CheckpointPaths(featureID: featureID).checkpoint
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return (try? JSONDecoder().decode(Snapshot.self, from: data))?.settings
    }

    /// Applies the `recorded` settings that no flag or variable gave, marking each as coming
    /// from the checkpoint (so `.sdp/config.yml` does not override it).
    ///
    /// - Parameters:
    ///   - recorded: the interrupted run's settings.
    ///   - path: the checkpoint, for messages.
    ///   - run: the arguments, flags and environment applied, the file not yet.
    ///   - now: to tell a recorded deadline time that has passed.
    /// - Throws: ``UsageError`` naming the checkpoint and the setting whose value is invalid.
    static func applyRecorded(
        _ recorded: RecordedSettings?, path: String, to run: inout RunArguments, now: Date = Date()
    ) throws(UsageError) -> Resumed {
        guard let recorded else { return Resumed() }
        var resumed = Resumed()
        var base = run
        try ConfigFile.apply(to: &base)
        resumed.notes += recorded.unreadable.map { "\(path): recorded setting '\($0)' is not a value; ignored" }
        for (key, value) in recorded.values.sorted(by: { $0.key < $1.key }) where run.sources[key] == nil {
            guard recordedKeys.contains(key), let setting = Setting.all.first(where: { $0.key == key }) else {
                resumed.notes.append("\(path): recorded setting '\(key)' is unknown to this oneshot; ignored")
                continue
            }
            if let value {
                var candidate = run
                try setting.apply(&candidate, value, "\(path): settings.\(key)")
                if case .at(let date)? = candidate.deadline, key == "deadline", date <= now {
                    resumed.notes.append(
                        "the interrupted run's deadline \(value) has passed; this run has none unless given (--deadline)")
                    continue
                }
                run = candidate
            }
            run.sources[key] = source
        }
        for key in recordedKeys where run.sources[key] == source && value(of: key, in: run) != value(of: key, in: base) {
            resumed.flags += flag(key, value(of: key, in: run))
        }
        return resumed
    }

    /// A setting's value as a flag takes it, exactly (durations to the millisecond); `nil` when
    /// the run has none.
    static func value(of key: String, in run: RunArguments) -> String? {
        switch key {
        case "jobs": "\(run.jobs)"
        case "exec": run.execTemplate
        case "retries": "\(run.retries)"
        case "timeout": run.timeout.map(exact)
        case "grace": exact(run.grace)
        case "features": run.featuresFolder
        case "strict_checkpoint": run.strictCheckpoint ? "true" : "false"
        case "checkpoint_grace": exact(run.checkpointGrace)
        case "deadline": run.deadline.map(exact)
        case "breaker_enabled": run.noBreaker ? "false" : "true"
        case "breaker_threshold": "\(run.breakerSettings.threshold)"
        case "breaker_window": "\(run.breakerSettings.window)"
        case "breaker_timeout": exact(run.breakerSettings.openTimeout)
        case "breaker_max_backoff": exact(run.breakerSettings.maxBackoff)
        case "breaker_max_opens": "\(run.breakerSettings.maxOpens)"
        default: nil
        }
    }

    /// The words that set `key` to `value` on a command line, shell-quoted; none when no flag
    /// can (there is no flag to unset `--exec` or turn the breaker back on).
    static func flag(_ key: String, _ value: String?) -> [String] {
        guard let value, let setting = Setting.all.first(where: { $0.key == key }) else { return [] }
        switch key {
        case "jobs": return ["-j", ShellWord.word(value)]
        case "strict_checkpoint": return value == "true" ? [setting.flag] : []
        case "breaker_enabled": return value == "false" ? [setting.flag] : []
        default: return [setting.flag, ShellWord.word(value)]
        }
    }

    /// `1h30m`, `1m30s`, `1s500ms`: the duration to the millisecond, as `DurationText` parses it.
    static func exact(_ duration: Duration) -> String {
        var rest = duration.wholeMilliseconds
        guard rest > 0 else { return "0ms" }
        var text = ""
        for (unit, size) in [("h", 3_600_000), ("m", 60_000), ("s", 1000), ("ms", 1)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }

    private static func exact(_ deadline: RunDeadline) -> String {
        switch deadline {
        case .after(let duration): exact(duration)
        case .at(let date): RFC3339.formatMilliseconds(date)
        }
    }
}
