import Foundation
import OneshotBreaker
import OneshotCheckpoint
import OneshotCommand
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotWorkstreams

extension FeatureRun {
    /// How a ``FeatureRun`` ended. By then the checkpoint is saved for a resume, or removed
    /// and the history recorded when the whole feature is done, and the lock is released.
    public struct Outcome: Sendable {
        /// Why it ended.
        public enum Ending: Sendable, Equatable {
            /// The workstreams ran; see ``report``.
            case ran
            /// Nothing had to run: the history says every selected workstream is up to date.
            case upToDate
            /// Cancelled while the `verify:` commands ran: nothing was launched.
            case stoppedWhileVerifying
            /// A `verify:` command could not be started for a reason waiting would not mend (the
            /// message names the workstream and the error): nothing was launched, as after an
            /// attempt's lasting launch error.
            case verifyNotStarted(String)
            /// The restored breaker is open until then and the run was not to wait.
            case breakerOpen(until: Date)
        }

        /// Why it ended.
        public var ending: Ending
        /// The dispatcher's report, when it ran.
        public var report: RunReport?
        /// The resume plan the run followed.
        public var plan: ResumePlan
        /// The checkpoint the run resumed from, if any.
        public var previous: Checkpoint?
        /// Without a checkpoint: what the history said of the selection.
        public var history: HistoryPlan?
        /// Seconds each workstream took, as known when the run started.
        public var knownDurations: [String: Double]
        /// The run's record as it stood at the end (what the checkpoint holds or held).
        public var checkpoint: Checkpoint
        /// Whether every workstream of the feature is done: the checkpoint was removed and the
        /// history recorded (unless ``checkpointFailure`` or ``historyFailure`` say otherwise).
        public var featureDone: Bool
        /// Why the checkpoint could not be saved (or, the feature done, removed).
        public var checkpointFailure: SystemError?
        /// Why the history could not be written: the checkpoint is then kept, so that the next
        /// run finds this one's work done.
        public var historyFailure: SystemError?

        /// Whether the selected work is done: it all succeeded, or was up to date.
        public var succeeded: Bool {
            ending == .upToDate || report?.status == .succeeded
        }
    }
}
