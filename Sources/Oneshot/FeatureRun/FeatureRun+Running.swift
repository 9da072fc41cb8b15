import Foundation
import OneshotBreaker
import OneshotCheckpoint
import OneshotCommand
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotWorkstreams

extension FeatureRun {
    /// The whole run: checks, lock and plan, verification, history, breaker, dispatch, finish.
    func run(_ attempts: FeatureRunAttempts, onEvent: @escaping @Sendable (Event) -> Void) async throws(Failure)
        -> Outcome
    {
        let runGraph = try selectedGraph()
        let loaded = RunHistory.load(historyPath, featureID: featureID.rawValue)
        let history = historyPlan(loaded.history, exec: attempts.exec)
        try checkBeforeLock(attempts, history: history)
        let session = try open(attempts, history: history)
        // The checkpoint's durations are this run's own; the history's fill in the rest.
        let known = (loaded.history?.knownDurations ?? [:]).merging(session.plan.knownDurations) { _, own in own }
        onEvent(
            .opened(
                Start(
                    graph: graph, runGraph: runGraph, plan: session.plan, previous: session.previous,
                    knownDurations: known, paths: paths, warnings: [loaded.warning].compactMap { $0 } + session.warnings)))
        var outcome = Outcome(
            ending: .ran, plan: session.plan, previous: session.previous, knownDurations: known,
            checkpoint: session.store.current, featureDone: false)
        if let stopped = await verify(session, with: attempts.executor, onEvent: onEvent) {
            return ended(session, outcome, as: stopped)
        }
        outcome.plan = session.plan
        if session.plan.isResume {
            onEvent(.resuming(session.plan))
        } else if let history {
            let inScope = restricting(history)
            outcome.history = inScope
            if inScope.isUpToDate {
                // Nothing runs: the snapshot the session wrote goes, as after a success.
                outcome.checkpointFailure = Self.failure { () throws(SystemError) in try session.finish(allDone: true) }
                outcome.ending = .upToDate
                return outcome
            }
            onEvent(.history(inScope))
        }
        let breaker = restoredBreaker(session.previous)
        if let breaker, breaker.state == .open, let until = breaker.openUntil, until > Date() {
            onEvent(.breakerOpen(breaker, until: until))
            if !options.waitsForOpenBreaker { return ended(session, outcome, as: .breakerOpen(until: until)) }
        }
        let report = await dispatch(session, runGraph: runGraph, breaker: breaker, known: known, attempts, onEvent)
        attempts.endEscapees()
        outcome.report = report
        return finished(session, outcome, exec: attempts.exec)
    }

    /// Takes the lock and makes the plan; stops or sweeps what the earlier run left running.
    private func open(_ attempts: FeatureRunAttempts, history: HistoryPlan?) throws(Failure) -> CheckpointSession {
        do {
            return try CheckpointSession.open(
                graph: graph, paths: paths, fresh: options.fresh, rerunUncertain: options.rerunUncertain,
                strict: options.strictCheckpoint, outputExists: outputExists,
                orphans: attempts.orphans(killRunning: options.killOrphans), carried: history?.carried ?? [:],
                settings: options.settings, rerun: Set(selection.rerun.keys))
        } catch {
            switch error {
            case .locked(let failure): throw .locked(failure)
            case .unusable(let systemError): throw .checkpointUnusable(systemError)
            }
        }
    }

    /// The breaker for this run: the checkpoint's, restored with its times clamped, or a new one.
    private func restoredBreaker(_ previous: Checkpoint?) -> CircuitBreaker? {
        guard let configuration = options.breaker else { return nil }
        guard let saved = previous?.circuitBreaker else { return CircuitBreaker(configuration: configuration) }
        return CircuitBreaker.restoring(saved.saved, configuration: configuration, now: Date())
    }

    /// The dispatcher's run, recorded in the session's store.
    private func dispatch(
        _ session: CheckpointSession, runGraph: WorkstreamGraph, breaker: CircuitBreaker?, known: [String: Double],
        _ attempts: FeatureRunAttempts, _ onEvent: @escaping @Sendable (Event) -> Void
    ) async -> RunReport {
        let plan = session.plan
        var dispatch = DispatchOptions(
            maxConcurrency: options.maxConcurrency, defaultRetries: options.defaultRetries,
            defaultTimeout: options.defaultTimeout, knownDurations: known, alreadyCompleted: plan.completed,
            held: plan.held, adopted: attempts.adopt(plan.adopted, in: runGraph), outputsRoot: root, breaker: breaker,
            threading: options.threading, checkpointGrace: options.checkpointGrace)
        dispatch.previousAttempts = plan.previousAttempts
        dispatch.deadline = options.deadline
        dispatch.failFast = options.failFast
        dispatch.preparer = attempts.preparer
        if let deadline = options.deadline { session.store.recordDeadline(deadline) }
        let dispatcher = Dispatcher(graph: runGraph, options: dispatch, journal: session.store)
        return await dispatcher.run(executor: attempts.recordingSpawns(in: session.store)) { onEvent(.dispatch($0)) }
    }

    /// Saves the checkpoint for a resume and releases the lock: the run ends before any work.
    private func ended(_ session: CheckpointSession, _ outcome: Outcome, as ending: Outcome.Ending) -> Outcome {
        var outcome = outcome
        outcome.ending = ending
        outcome.plan = session.plan
        outcome.checkpoint = session.store.current
        outcome.checkpointFailure = Self.failure { () throws(SystemError) in try session.finish(allDone: false) }
        return outcome
    }

    /// Records the history then removes the checkpoint when the feature is done, else saves the
    /// checkpoint; releases the lock.
    ///
    /// The history comes first: the checkpoint removed before it was written, a kill -9 between
    /// the two (or a history that could not be written) left neither, and the next run ran
    /// everything again, `idempotent: false` work included. Now a kill between them leaves both
    /// (the next run finds the work done in the checkpoint), and a history that cannot be
    /// written keeps the checkpoint.
    private func finished(_ session: CheckpointSession, _ outcome: Outcome, exec: String?) -> Outcome {
        var outcome = outcome
        outcome.featureDone = outcome.report?.status == .succeeded && featureDone(session.store)
        outcome.checkpoint = session.store.current
        if outcome.featureDone {
            let history = RunHistory.recording(
                checkpoint: outcome.checkpoint, graph: graph, exec: exec, finishedAt: Date())
            outcome.historyFailure = Self.failure { () throws(SystemError) in try history.write(to: historyPath) }
        }
        let removes = outcome.featureDone && outcome.historyFailure == nil
        outcome.checkpointFailure = Self.failure { () throws(SystemError) in try session.finish(allDone: removes) }
        return outcome
    }

    private static func failure(_ body: () throws(SystemError) -> Void) -> SystemError? {
        do {
            try body()
            return nil
        } catch {
            return error
        }
    }
}
