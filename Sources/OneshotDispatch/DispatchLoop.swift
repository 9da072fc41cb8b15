import Foundation
import OneshotBreaker
import OneshotGraph
import OneshotWorkstreams

/// One run of a ``Dispatcher``: the loop that owns the state, starts children and consumes
/// their results one at a time.
struct DispatchLoop {
    /// What a child task of the run reports back to the loop.
    enum ChildResult: Sendable {
        case attemptEnded(node: Int, attempt: Int, status: AttemptStatus, result: ExecutionResult?, duration: Duration)
        case retryDue(node: Int, cancelled: Bool)
        /// `recordsDurable`: see ``RunJournal/commitCountingRecords()``.
        case committed(JournalCommitResult, recordsDurable: Int?)
        case commitDue
        case breakerTimer
        case attemptNotStarted(node: Int, attempt: Int, error: InfrastructureError)
        case recoveryDue(cancelled: Bool)
        case deadlineDue(cancelled: Bool)
        /// A ``LaunchPreparer`` call ended.
        case prepared
    }

    let graph: WorkstreamGraph
    let options: DispatchOptions
    let journal: (any RunJournal)?
    let executor: Executor
    let onEvent: @Sendable (RunEvent) -> Void
    let time: RunClock
    var state: DispatchState
    var random: SeededRandom
    var durations: [Duration]
    var lastAttempt: [AttemptReport?]
    /// What is recorded, committing, or waiting for a writable journal.
    var pipeline: CommitPipeline
    var breaker: CircuitBreaker?
    /// Permits of running attempts, by node: handed back with their outcome.
    var permits: [Int: CircuitBreaker.Permit] = [:]
    var breakerTimerPending = false
    var breakerRetryAt: Date?
    /// While attempts fail for oneshot's own reasons with no attempt ending in between.
    var infrastructureFailingSince: Date?
    var infrastructureStreak = 0
    var infrastructureStopped = false
    /// The ``InfrastructureError/lasting`` error that stopped the run, if one did.
    var lastingLaunchError: String?
    /// Whether the deadline came, and the workstreams not launched because they would not fit
    /// before it.
    var deadlineReached = false
    var setAside: [String] = []
    /// The journal's `record(_:starting:)` calls made so far: what a commit's coverage counts.
    var recordCalls = 0
    /// The workstreams prepared ahead of their launch (``DispatchOptions/preparer``).
    var preparations = LaunchPreparations()
    /// Opens when the preparation of a prepared node has returned: its discard waits for it.
    var preparing: [Int: Latch] = [:]

    init(dispatcher: Dispatcher, executor: @escaping Executor, onEvent: @escaping @Sendable (RunEvent) -> Void) {
        graph = dispatcher.graph
        options = dispatcher.options
        journal = dispatcher.journal
        time = dispatcher.time
        pipeline = CommitPipeline(commitDelay: dispatcher.options.commitDelay, grace: dispatcher.options.checkpointGrace)
        breaker = dispatcher.options.breaker
        self.executor = executor
        self.onEvent = onEvent
        var done = Set<Int>()
        for (node, workstream) in graph.workstreams.enumerated()
        where workstream.isDeclaredDone || options.alreadyCompleted.contains(workstream.id) {
            done.insert(node)
        }
        let graph = dispatcher.graph
        let held = Set(dispatcher.options.held.compactMap { graph.node($0) }).subtracting(done)
        let weights = graph.weights(knownDurations: options.knownDurations)
        var adopted: [Int: Int] = [:]
        for attempt in options.adopted {
            if let node = graph.node(attempt.id), !done.contains(node) { adopted[node] = attempt.attempt }
        }
        var prior: [Int: Int] = [:]
        for (id, count) in options.previousAttempts {
            if let node = graph.node(id) { prior[node] = count }
        }
        state = DispatchState(
            graph: graph, done: done, held: held, adopted: adopted, prior: prior, rank: graph.priorityRanks(weights: weights))
        random = SeededRandom(seed: options.randomSeed ?? UInt64.random(in: 0...UInt64.max))
        durations = [Duration](repeating: .zero, count: graph.count)
        lastAttempt = [AttemptReport?](repeating: nil, count: graph.count)
    }

    mutating func run() async -> RunReport {
        let start = time.elapsed()
        let alreadyDone = state.phase.reduce(0) { $0 + ($1 == .alreadyDone ? 1 : 0) }
        onEvent(.runStarted(RunStart(total: graph.count, alreadyDone: alreadyDone, maxConcurrency: options.maxConcurrency)))
        await withTaskGroup(of: ChildResult.self) { group in
            if Task.isCancelled { state.stopLaunching = true }
            startDeadlineTimer(&group)
            awaitAdopted(&group)
            prepare(after: launchReady(&group), &group)
            while !(state.isIdle && pipeline.isSettled) {
                guard let result = await group.next() else { break }
                if Task.isCancelled { state.stopLaunching = true }
                handle(result, &group)
                if state.stopLaunching { state.interruptBackoffs() }
                endTurn(&group)
            }
            // Nothing is left to wait for but a commit timer.
            group.cancelAll()
        }
        // Every preparation has ended with the group.
        if let preparer = options.preparer {
            for node in preparations.discardAll() { await preparer.discard(graph.workstreams[node]) }
            preparing = [:]
        }
        let report = makeReport(elapsed: time.elapsed() - start, cancelled: Task.isCancelled)
        onEvent(.runFinished(report))
        return report
    }

    private mutating func handle(_ result: ChildResult, _ group: inout TaskGroup<ChildResult>) {
        switch result {
        case let .attemptEnded(node, attempt, status, executionResult, duration):
            attemptEnded(node: node, attempt: attempt, status: status, result: executionResult, duration: duration, &group)
        case let .retryDue(node, cancelled):
            // Already interrupted when the run began to stop (`interruptBackoffs`).
            if state.phase[node] == .backingOff { state.retryDue(node, cancelled: cancelled || state.stopLaunching) }
        case .breakerTimer:
            breakerTimerPending = false
        case .commitDue:
            pipeline.timerFired()
        case let .committed(outcome, recordsDurable):
            committed(outcome, recordsDurable: recordsDurable, &group)
        case let .attemptNotStarted(node, attempt, error):
            attemptNotStarted(node: node, attempt: attempt, error: error, &group)
        case .recoveryDue(let cancelled):
            pipeline.retryTimerFired(cancelled: cancelled || Task.isCancelled)
        case .deadlineDue(let cancelled):
            if !cancelled { reachDeadline(&group) }
        case .prepared:
            return
        }
    }

    /// The end of a loop turn: the group commit decides, the free slots are filled, and the
    /// turn's records — its outcomes in one line, the launches' start records — are written at
    /// once, before any of those attempts or the commit starts: no launch without its start
    /// record, no commit before the records it makes durable.
    private mutating func endTurn(_ group: inout TaskGroup<ChildResult>) {
        var entries = journal == nil ? [] : pipeline.flush(call: recordCalls + 1) ?? []
        let commits = commitIfDue(&group, recording: &entries)
        let launched = launchReady(&group, writing: entries)
        if commits, let journal {
            group.addTask {
                let (result, recordsDurable) = await journal.commitCountingRecords()
                return .committed(result, recordsDurable: recordsDurable)
            }
        }
        prepare(after: launched, &group)
    }
}
