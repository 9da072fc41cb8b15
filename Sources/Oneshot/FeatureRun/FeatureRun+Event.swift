import Foundation
import OneshotBreaker
import OneshotCheckpoint
import OneshotCommand
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotWorkstreams

extension FeatureRun {
    /// What a ``FeatureRun`` tells as it goes, in this order: ``opened(_:)`` first; then
    /// ``verifying(_:logPath:)`` for each uncertain workstream whose `verify:` command runs;
    /// ``resuming(_:)`` or ``history(_:)``; ``breakerOpen(_:until:)`` when the run must first
    /// wait; then the dispatcher's events (``dispatch(_:)``). ``warning(_:)`` may come anywhere.
    public enum Event: Sendable {
        /// The lock is held and the resume plan made; nothing has run yet.
        case opened(Start)
        /// The `verify:` command of an uncertain workstream is about to run (its output goes to
        /// `logPath`): it says whether the attempt the earlier run left did its work.
        case verifying(ResumePlan.Uncertain, logPath: String)
        /// The run resumes an earlier one, with this plan (settled by the `verify:` commands).
        case resuming(ResumePlan)
        /// Not a resume: what the last successful run's history says, with what runs again and
        /// why (the rest is up to date and does not run).
        case history(HistoryPlan)
        /// The breaker restored from the checkpoint is still open: no attempt starts until
        /// `until` (or the run ends, when it does not wait).
        case breakerOpen(CircuitBreaker, until: Date)
        /// An event of the run itself.
        case dispatch(RunEvent)
        /// Something the caller should know that does not stop the run.
        case warning(String)
    }

    /// What a run found when it opened the feature: the ``Event/opened(_:)`` event.
    public struct Start: Sendable {
        /// The feature.
        public var graph: WorkstreamGraph
        /// What this run may start (the ``Selection``; the feature without one).
        public var runGraph: WorkstreamGraph
        /// What the run does with the earlier run's work, before any `verify:` command.
        public var plan: ResumePlan
        /// The checkpoint as loaded, if there was one.
        public var previous: Checkpoint?
        /// Seconds each workstream took: this run's checkpoint, else the history.
        public var knownDurations: [String: Double]
        /// Where the checkpoint is.
        public var paths: CheckpointPaths
        /// Things found while opening: an unreadable history, a corrupt checkpoint moved aside,
        /// attempts of the earlier run stopped.
        public var warnings: [String]
    }
}
