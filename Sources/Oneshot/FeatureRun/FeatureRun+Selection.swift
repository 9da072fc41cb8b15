import OneshotBreaker
import OneshotCheckpoint
import OneshotCommand
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotWorkstreams

extension FeatureRun {
    /// The workstreams a run may start, as ids of the feature: ninja's targets, resolved.
    public struct Selection: Sendable, Equatable {
        /// The ids the run may start; `nil` for the whole feature. Their dependencies outside it
        /// count as satisfied. An empty set starts nothing (a filter that matched nothing): the
        /// run succeeds with nothing to do, as `ninja` does; as after any selection, the
        /// checkpoint is kept for the run that does the rest.
        public var scope: Set<String>?
        /// Ids to run again even though they are done (in the checkpoint or the history), each
        /// with the reason a person reads (`--rerun`); they are no longer recorded done. Name
        /// what depends on them too: their results change.
        public var rerun: [String: String]
        /// With a scope, refuse to start (``Failure/dependencyNotDone(workstream:dependency:)``)
        /// when a dependency outside it is not recorded done in the checkpoint or the history, or
        /// declared done in its file (`--only` without `--assume-deps-done`).
        public var requiresDoneDependencies: Bool

        /// Creates a selection; by default the whole feature.
        public init(scope: Set<String>? = nil, rerun: [String: String] = [:], requiresDoneDependencies: Bool = false) {
            self.scope = scope
            self.rerun = rerun
            self.requiresDoneDependencies = requiresDoneDependencies
        }

        /// Whether `id` may run.
        func contains(_ id: String) -> Bool { scope?.contains(id) ?? true }
    }
}
