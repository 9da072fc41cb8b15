import Foundation
import OneshotBreaker
import OneshotCheckpoint
import OneshotCommand
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotWorkstreams

extension FeatureRun {
    /// How a ``FeatureRun`` goes: the CLI's settings, with its defaults.
    public struct Options: Sendable {
        /// A folder (under the root) whose `*.md` files are selected by their `feature_id`
        /// (`--features`); `nil` reads `features/<id>/`.
        public var featuresFolder: String?
        /// The most attempts running at once (`-j`). At least 1.
        public var maxConcurrency: Int
        /// Retries of a failed attempt when the workstream's file sets none (`--retries`).
        public var defaultRetries: Int
        /// Time limit of an attempt (and of a `verify:` command) when the file sets none
        /// (`--timeout`); `nil` for none.
        public var defaultTimeout: Duration?
        /// How long nothing may be written to the checkpoint, or attempts fail for oneshot's own
        /// reasons, before the run stops launching (`--checkpoint-grace`).
        public var checkpointGrace: Duration
        /// When the run must stop (`--deadline`); `nil` for none.
        public var deadline: Date?
        /// Stop launching after the first workstream that failed for good (`--fail-fast`).
        public var failFast: Bool
        /// The circuit breaker's settings, restored with its state from the checkpoint on a
        /// resume; `nil` runs without one (`--no-breaker`).
        public var breaker: BreakerConfiguration?
        /// Whether the run waits when the restored breaker is still open; `false` ends it at once
        /// as ``Outcome/Ending/breakerOpen(until:)`` (`--no-wait`).
        public var waitsForOpenBreaker: Bool
        /// Discard the checkpoint and start over (`--fresh`); the history still counts.
        public var fresh: Bool
        /// Ignore the history: what the last successful run did runs again (`--force`, with
        /// ``fresh``).
        public var ignoresHistory: Bool
        /// Run again `idempotent: false` work that was running when an earlier run died
        /// (`--rerun-uncertain`).
        public var rerunUncertain: Bool
        /// Terminate the attempts an earlier run left running instead of adopting them
        /// (`--kill-orphans`).
        public var killOrphans: Bool
        /// A checkpoint that cannot be written stops the run (`--strict-checkpoint`).
        public var strictCheckpoint: Bool
        /// Where the dispatcher's loop and the executor run (``DispatchOptions/Threading``).
        public var threading: DispatchOptions.Threading
        /// The settings to record in the checkpoint, for a resume to take back; `nil` for none.
        public var settings: RecordedSettings?

        /// Creates options; every parameter has the CLI's default.
        public init(
            featuresFolder: String? = nil,
            maxConcurrency: Int = 3,
            defaultRetries: Int = 0,
            defaultTimeout: Duration? = nil,
            checkpointGrace: Duration = .seconds(60),
            deadline: Date? = nil,
            failFast: Bool = false,
            breaker: BreakerConfiguration? = BreakerConfiguration(),
            waitsForOpenBreaker: Bool = true,
            fresh: Bool = false,
            ignoresHistory: Bool = false,
            rerunUncertain: Bool = false,
            killOrphans: Bool = false,
            strictCheckpoint: Bool = false,
            threading: DispatchOptions.Threading = .sharedPool,
            settings: RecordedSettings? = nil
        ) {
            self.featuresFolder = featuresFolder
            self.maxConcurrency = max(1, maxConcurrency)
            self.defaultRetries = max(0, defaultRetries)
            self.defaultTimeout = defaultTimeout
            self.checkpointGrace = checkpointGrace
            self.deadline = deadline
            self.failFast = failFast
            self.breaker = breaker
            self.waitsForOpenBreaker = waitsForOpenBreaker
            self.fresh = fresh
            self.ignoresHistory = ignoresHistory
            self.rerunUncertain = rerunUncertain
            self.killOrphans = killOrphans
            self.strictCheckpoint = strictCheckpoint
            self.threading = threading
            self.settings = settings
        }
    }
}
