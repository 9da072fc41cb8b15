import Foundation
import OneshotBreaker
import OneshotCheckpoint
import OneshotCommand
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotWorkstreams

/// One durable run of a feature, as `oneshot F052` does it, in one call: load the feature, take
/// its lock, make the resume plan, deal with what an earlier run left running, verify uncertain
/// work, restore the circuit breaker, run every workstream with your executor while recording
/// progress in the checkpoint, and finish (the checkpoint removed and the history recorded when
/// everything is done, saved for a resume otherwise).
///
/// ```swift
/// let run = try FeatureRun(root: projectRoot, featureID: "F052", options: .init(maxConcurrency: 4))
/// let outcome = try await run.run(executor: { workstream, attempt in
///     try await myAgent.build(workstream.id)  // your closure
///     return .success
/// })
/// if outcome.succeeded { print("F052 is done") }
/// ```
///
/// Run it again after a crash, a kill or a cancellation and it resumes: completed work is not
/// run again. Cancelling the task that awaits `run(executor:onEvent:)` is the
/// interrupt: no new attempt starts, running attempts are cancelled and end as interrupted, and
/// the checkpoint is saved before it returns. A command-line tool turns its signals into that
/// cancellation with ``SignalCancellation``.
///
/// Every path is under ``root``: the workstream files (`features/<id>/`, or
/// ``Options/featuresFolder``), the checkpoint (`.sdp/checkpoints/`), the history
/// (`.sdp/history/`) and the workstreams' declared outputs. A ``CommandExecutor`` runs its
/// commands and writes its logs relative to the current directory: with one, make ``root`` the
/// current directory (`"."`).
public struct FeatureRun: Sendable {
    /// The project folder; `"."` (the current directory) keeps every path relative, as the CLI
    /// prints them.
    public let root: String
    /// The feature.
    public let featureID: FeatureID
    /// How it runs.
    public let options: Options
    /// The feature as its files are now.
    public let feature: Feature
    /// Its validated dependency graph.
    public let graph: WorkstreamGraph
    /// The workstreams this run may start; the whole feature unless set.
    public var selection = Selection()

    /// Loads and validates the feature (its files, ids and dependency graph); takes no lock and
    /// writes nothing.
    ///
    /// - Parameters:
    ///   - root: the project folder (see ``root``).
    ///   - featureID: e.g. `F052`.
    ///   - options: how the run goes; the CLI's defaults.
    /// - Throws: ``Failure/invalidFeature(_:)``, each problem naming its file and line.
    public init(root: String = ".", featureID: String, options: Options = Options()) throws(Failure) {
        let trimmed = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
        let root = trimmed.isEmpty ? "." : trimmed
        self.root = root
        self.options = options
        do {
            self.featureID = try FeatureID(validating: featureID)
        } catch {
            throw .invalidFeature(InputErrors([error]))
        }
        let layout: FeatureLoader.Layout =
            options.featuresFolder.map { .tagged(root: Self.join(root, $0)) }
            ?? .folderPerFeature(root: Self.join(root, "features"))
        let loaded: Feature
        do {
            loaded = try FeatureLoader(layout: layout, displayBase: root == "." ? nil : root).load(
                self.featureID)
            graph = try WorkstreamGraph(loaded.workstreams, satisfiedExternally: loaded.satisfiedExternally)
        } catch {
            throw .invalidFeature(error)
        }
        feature = loaded
    }

    /// Loads and validates the feature under the folder `root` (see ``root``).
    ///
    /// - Throws: ``Failure/invalidFeature(_:)``.
    public init(root: URL, featureID: String, options: Options = Options()) throws(Failure) {
        try self.init(root: root.path, featureID: featureID, options: options)
    }

    /// Where the checkpoint, its journal and its lock are.
    public var paths: CheckpointPaths {
        CheckpointPaths(folder: resolve(".sdp/checkpoints"), featureID: featureID.rawValue)
    }

    /// Where the last successful run's history is (`.sdp/history/<feature>.json`).
    public var historyPath: String {
        RunHistory.path(featureID: featureID.rawValue, folder: resolve(".sdp/history"))
    }

    /// Runs (or resumes) the feature with `executor`, which knows how to find, adopt or stop the
    /// attempts an earlier run left running and runs `verify:` commands: a ``CommandExecutor``, a
    /// ``RemoteExecutor``, or your own.
    ///
    /// - Parameters:
    ///   - executor: runs each attempt.
    ///   - onEvent: called with each ``Event`` in order; keep it short (the run's own events are
    ///     called on the dispatcher's loop).
    /// - Returns: how the run ended; the checkpoint is saved (or removed) by then.
    /// - Throws: ``Failure`` when the run cannot start; nothing ran then.
    public func run(
        executor: any AttemptExecutor, onEvent: @escaping @Sendable (Event) -> Void = { _ in }
    ) async throws(Failure) -> Outcome {
        try await run(FeatureRunAttempts(executor), onEvent: onEvent)
    }

    /// Runs (or resumes) the feature with an ``Executor`` closure.
    ///
    /// An attempt an earlier run left running cannot be found by a closure: a resume counts it as
    /// uncertain (run again when the workstream is idempotent, held when not), and no `verify:`
    /// command runs.
    ///
    /// - Parameters:
    ///   - executor: runs one attempt of one workstream.
    ///   - onEvent: called with each ``Event`` in order; keep it short.
    /// - Returns: how the run ended; the checkpoint is saved (or removed) by then.
    /// - Throws: ``Failure`` when the run cannot start; nothing ran then.
    public func run(
        executor: @escaping Executor, onEvent: @escaping @Sendable (Event) -> Void = { _ in }
    ) async throws(Failure) -> Outcome {
        try await run(FeatureRunAttempts(executor), onEvent: onEvent)
    }

    /// `path` under ``root``; an absolute path as it is.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : Self.join(root, path)
    }

    /// Whether a declared output exists, relative to ``root``.
    var outputExists: @Sendable (String) -> Bool {
        let run = self
        return { FileManager.default.fileExists(atPath: run.resolve($0)) }
    }

    private static func join(_ root: String, _ path: String) -> String {
        path.hasPrefix("/") || root == "." ? path : "\(root)/\(path)"
    }
}
