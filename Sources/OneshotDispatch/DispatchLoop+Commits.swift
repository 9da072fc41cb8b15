import Foundation
import OneshotBreaker
import OneshotGraph
import OneshotWorkstreams

/// The loop's side of the group commit (``CommitPipeline``) and of the start records: when a
/// commit starts, what its end releases, and what an unwritable journal stops.
extension DispatchLoop {
    mutating func committed(
        _ outcome: JournalCommitResult, recordsDurable: Int?, _ group: inout TaskGroup<ChildResult>
    ) {
        let committing: [Int] = if case .running(let released, _, _) = pipeline.commit { released } else { [] }
        switch pipeline.commitFinished(outcome, now: time.now(), durableThrough: recordsDurable) {
        case .unwritable(let action):
            // Not durable: these completions await the next commit again.
            for node in committing { state.awaitCommit(node, graph: graph) }
            guard case .unwritten(let message) = outcome else { return }
            perform(action, message: message, &group)
        case let .release(released, covered):
            if outcome == .durable { onEvent(.journalCommitted) }
            if case let .failed(message, stopRun) = outcome {
                onEvent(.journalFailed(message: message, stopsRun: stopRun))
                if stopRun { state.stopLaunching = true }
            }
            if !covered.isEmpty { state.committedEarly(covered, graph: graph) }
            _ = state.release(released + covered, graph: graph)
        }
    }

    /// Group commit (see ``CommitPipeline``): the state decides what a commit waits on — whether
    /// the recorded completions would make ready a workstream that outranks every ready one —
    /// and the pipeline whether to commit, arm the timer or wait. Meanwhile a free slot is kept
    /// for such a more urgent workstream rather than given to a less urgent one, so priorities
    /// hold as if every completion were durable at once; only the number of `fsync`s changes.
    ///
    /// - Returns: whether to start a commit once `entries`, to which it adds the breaker's
    ///   state, are written.
    mutating func commitIfDue(_ group: inout TaskGroup<ChildResult>, recording entries: inout [JournalEntry])
        -> Bool
    {
        guard journal != nil else { return false }
        let enables = state.stopLaunching ? nil : state.bestRankAwaitingCommit()
        let urgent = enables.map(state.outranksReady) ?? false
        switch pipeline.stepEnded(enables: enables, urgent: urgent, ending: state.stopLaunching || state.isIdle) {
        case .none:
            return false
        case .armTimer(let delay):
            let time = self.time
            group.addTask {
                try? await time.commitSleep(delay)
                return .commitDue
            }
            return false
        case .startCommit(let breaker):
            state.commitBegan(graph: graph)
            if let breaker { entries.append(.breaker(breaker)) }
            return true
        }
    }

    /// Nothing could be written to the journal: no attempt starts; the commit is retried with a
    /// backoff until it succeeds, or the grace period has passed since the first failure — then
    /// the run stops launching, lets running attempts end and ends as
    /// ``RunReport/Status/journalFailed``.
    private mutating func journalUnwritable(_ message: String, _ group: inout TaskGroup<ChildResult>) {
        perform(pipeline.journalUnwritable(now: time.now()), message: message, &group)
    }

    private mutating func perform(
        _ action: CommitPipeline.UnwritableAction, message: String, _ group: inout TaskGroup<ChildResult>
    ) {
        switch action {
        case .none:
            return
        case .stop:
            state.stopLaunching = true
            let grace = DurationText.format(options.checkpointGrace)
            onEvent(
                .journalFailed(message: "nothing could be written to the checkpoint for \(grace): \(message)", stopsRun: true))
        case let .retry(delay, since, armTimer):
            onEvent(
                .journalUnwritable(message: message, unrecorded: pipeline.unrecorded.sorted(), since: since, retryIn: delay))
            guard armTimer else { return }
            let sleep = time.sleep
            group.addTask {
                do {
                    try await sleep(delay)
                    return .recoveryDue(cancelled: false)
                } catch {
                    return .recoveryDue(cancelled: true)
                }
            }
        }
    }

    /// Writes `entries` and the start records of the attempts just launched, at once. When the
    /// start records cannot be written none of them is launched: they are ready again, and the
    /// run waits for the journal.
    mutating func recordStarts(
        _ launches: [Launch], writing entries: [JournalEntry], _ group: inout TaskGroup<ChildResult>
    ) -> Bool {
        guard let journal, !launches.isEmpty || !entries.isEmpty else { return true }
        let starts = launches.map { (id: graph.workstreams[$0.node].id, attempt: $0.attempt) }
        recordCalls += 1
        do {
            try journal.record(entries, starting: starts)
            return true
        } catch {
            for launch in launches.reversed() {
                state.unlaunch(launch.node)
                if let permit = launch.permit { breaker?.release(permit) }
            }
            let ids = starts.map(\.id).joined(separator: ", ")
            let what =
                starts.count == 1
                ? "the start of \(ids) could not be recorded, so it was"
                : "the starts of \(ids) could not be recorded, so they were"
            journalUnwritable("\(what) not launched: \(error)", &group)
            return false
        }
    }
}
