import Foundation
import OneshotBreaker
import OneshotGraph
import OneshotWorkstreams

/// What a child task of the run reports back to the loop.
private enum ChildResult: Sendable {
    case attemptEnded(node: Int, attempt: Int, status: AttemptStatus, result: ExecutionResult?, duration: Duration)
    case retryDue(node: Int, cancelled: Bool)
    case committed(JournalCommitResult)
    case commitDue
    case breakerTimer
    case attemptNotStarted(node: Int, attempt: Int, error: InfrastructureError)
    case recoveryDue(cancelled: Bool)
    case deadlineDue(cancelled: Bool)
}

/// One run of a ``Dispatcher``: the loop that owns the state, starts children and consumes
/// their results one at a time.
struct DispatchLoop {
    private let graph: WorkstreamGraph
    private let options: DispatchOptions
    private let journal: (any RunJournal)?
    private let executor: Executor
    private let onEvent: @Sendable (RunEvent) -> Void
    private let sleep: @Sendable (Duration) async throws -> Void
    private var state: DispatchState
    private var random: SeededRandom
    private var durations: [Duration]
    private var lastAttempt: [AttemptReport?]
    /// Entries of the current step, recorded in one write at its end.
    private var pendingEntries: [JournalEntry] = []
    /// Completions recorded but not yet committed, and whether anything recorded is.
    private var pendingCompletions: [Int] = []
    private var uncommitted = false
    private var pendingBreaker: CircuitBreaker.Saved?
    /// Completions in the commit under way, released when it returns; `nil` when none is.
    private var committing: [Int]?
    /// The best rank the commit under way, and the completions waiting for the next one, will
    /// make ready, if any: no slot goes to a less urgent workstream meanwhile.
    private var committingEnables: Int?
    private var pendingEnables: Int?
    /// Set while a timer runs that forces the next commit, and once it has fired.
    private var commitTimerPending = false
    private var commitOverdue = false
    private var journalStopped = false
    private let now: @Sendable () -> Date
    private var breaker: CircuitBreaker?
    /// Permits of running attempts, by node: handed back with their outcome.
    private var permits: [Int: CircuitBreaker.Permit] = [:]
    private var breakerTimerPending = false
    private var breakerRetryAt: Date?
    /// While nothing can be written to the journal (a full disk): since when, the retries made,
    /// whether the retry timer runs or has fired, and whether retrying is over (the grace period
    /// passed, or the run was cancelled).
    private var unwritableSince: Date?
    private var recoveryRetries = 0
    private var recoveryTimerPending = false
    private var recoveryDue = false
    private var recoveryOver = false
    /// Workstreams whose outcomes were recorded but are not yet known written; those the commit
    /// under way covers.
    private var unrecorded: Set<String> = []
    private var committingRecorded: Set<String> = []
    /// While attempts fail for oneshot's own reasons with no attempt ending in between.
    private var infrastructureFailingSince: Date?
    private var infrastructureStreak = 0
    private var infrastructureStopped = false
    /// Whether the deadline came, and the workstreams not launched because they would not fit
    /// before it.
    private var deadlineReached = false
    private var setAside: [String] = []

    init(dispatcher: Dispatcher, executor: @escaping Executor, onEvent: @escaping @Sendable (RunEvent) -> Void) {
        graph = dispatcher.graph
        options = dispatcher.options
        journal = dispatcher.journal
        sleep = dispatcher.sleeper
        now = dispatcher.clock
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
        let clock = ContinuousClock()
        let start = clock.now
        let alreadyDone = state.phase.reduce(0) { $0 + ($1 == .alreadyDone ? 1 : 0) }
        onEvent(.runStarted(RunStart(total: graph.count, alreadyDone: alreadyDone, maxConcurrency: options.maxConcurrency)))
        await withTaskGroup(of: ChildResult.self) { group in
            if Task.isCancelled { state.stopLaunching = true }
            startDeadlineTimer(&group)
            awaitAdopted(&group)
            launchReady(&group)
            while !(state.isIdle && committing == nil && !uncommitted && pendingEntries.isEmpty && pendingBreaker == nil
                && !recovering)
            {
                guard let result = await group.next() else { break }
                if Task.isCancelled { state.stopLaunching = true }
                handle(result, &group)
                recordPending()
                commitIfDue(&group)
                launchReady(&group)
            }
            // Nothing is left to wait for but a commit timer.
            group.cancelAll()
        }
        let report = makeReport(elapsed: clock.now - start, cancelled: Task.isCancelled)
        onEvent(.runFinished(report))
        return report
    }

    private mutating func handle(_ result: ChildResult, _ group: inout TaskGroup<ChildResult>) {
        switch result {
        case let .attemptEnded(node, attempt, status, executionResult, duration):
            attemptEnded(node: node, attempt: attempt, status: status, result: executionResult, duration: duration, &group)
        case let .retryDue(node, cancelled):
            state.retryDue(node, cancelled: cancelled || state.stopLaunching)
        case .breakerTimer:
            breakerTimerPending = false
        case .commitDue:
            commitTimerPending = false
            commitOverdue = true
        case let .committed(outcome):
            let released = committing ?? []
            committing = nil
            committingEnables = nil
            committed(outcome, released: released, &group)
        case let .attemptNotStarted(node, attempt, error):
            attemptNotStarted(node: node, attempt: attempt, error: error, &group)
        case .recoveryDue(let cancelled):
            recoveryTimerPending = false
            if cancelled || Task.isCancelled { recoveryOver = true } else { recoveryDue = true }
        case .deadlineDue(let cancelled):
            if !cancelled { reachDeadline(&group) }
        }
    }

    private mutating func committed(_ outcome: JournalCommitResult, released: [Int], _ group: inout TaskGroup<ChildResult>) {
        if case .unwritten(let message) = outcome {
            // Not durable: the dependents of these completions wait for a commit that is.
            pendingCompletions = released + pendingCompletions
            journalUnwritable(message, &group)
            return
        }
        unrecorded.subtract(committingRecorded)
        unwritableSince = nil
        recoveryRetries = 0
        if outcome == .durable { onEvent(.journalCommitted) }
        if case let .failed(message, stopRun) = outcome {
            onEvent(.journalFailed(message: message, stopsRun: stopRun))
            if stopRun {
                journalStopped = true
                state.stopLaunching = true
            }
        }
        _ = state.release(released, graph: graph)
    }

    private mutating func attemptEnded(
        node: Int, attempt: Int, status: AttemptStatus, result: ExecutionResult?, duration: Duration,
        _ group: inout TaskGroup<ChildResult>
    ) {
        let workstream = graph.workstreams[node]
        infrastructureFailingSince = nil
        infrastructureStreak = 0
        durations[node] += duration
        recordInBreaker(node: node, status: status)
        var report = AttemptReport(id: workstream.id, attempt: attempt, status: status, duration: duration, result: result)
        switch status {
        case .succeeded:
            state.succeeded(node)
            record(report, node: node, final: true)
            if journal == nil {
                _ = state.release([node], graph: graph)
            } else {
                pendingCompletions.append(node)
            }
        case .failed, .timedOut:
            let retries = workstream.retries ?? options.defaultRetries
            // Retries are counted within this run; `attempt` counts across runs.
            let tries = state.attemptsThisRun(node)
            if tries <= retries && !state.stopLaunching {
                let delay = options.backoff.delay(afterAttempt: tries, using: &random)
                report.retryIn = delay
                state.backOff(node)
                record(report, node: node, final: false)
                scheduleRetry(of: node, after: delay, &group)
            } else {
                let skipped = state.failed(node, graph: graph)
                if options.failFast { state.stopLaunching = true }
                record(report, node: node, final: true)
                for dependent in skipped {
                    let id = graph.workstreams[dependent].id
                    pendingEntries.append(.skipped(id: id, blockedBy: workstream.id))
                    onEvent(.workstreamSkipped(id: id, blockedBy: workstream.id))
                }
            }
        case .interrupted:
            state.interrupted(node)
            record(report, node: node, final: true)
        case .uncertain:
            state.uncertain(node)
            record(report, node: node, final: true)
        }
    }

    private mutating func record(_ report: AttemptReport, node: Int, final: Bool) {
        lastAttempt[node] = report
        onEvent(.workstreamFinished(report))
        if journal != nil { pendingEntries.append(.attemptFinished(report, final: final)) }
    }

    /// Writes the step's outcomes to the journal at once, in one record.
    private mutating func recordPending() {
        guard let journal, !pendingEntries.isEmpty else { return }
        for case .attemptFinished(let report, _) in pendingEntries { unrecorded.insert(report.id) }
        journal.record(pendingEntries)
        pendingEntries = []
        uncommitted = true
    }

    /// Group commit: one commit at a time, started as soon as something waits on it — a
    /// recorded completion would make ready a workstream that outranks every ready one, or the
    /// run is ending — and otherwise when the commit timer fires, ``DispatchOptions/commitDelay``
    /// after the first outcome left uncommitted. Meanwhile a free slot is kept for such a more
    /// urgent workstream rather than given to a less urgent one, so priorities hold as if every
    /// completion were durable at once; only the number of `fsync`s changes.
    private mutating func commitIfDue(_ group: inout TaskGroup<ChildResult>) {
        guard let journal else { return }
        pendingEnables =
            state.stopLaunching || pendingCompletions.isEmpty
            ? nil : state.bestRankEnabled(releasing: pendingCompletions, graph: graph)
        // While nothing can be written, only the retry timer commits: no busy loop on a full disk.
        if recovering && !recoveryDue { return }
        guard committing == nil, uncommitted || pendingBreaker != nil || recoveryDue else { return }
        let urgent = pendingEnables.map(state.outranksReady) ?? false
        guard urgent || commitOverdue || recoveryDue || state.stopLaunching || state.isIdle else {
            if !commitTimerPending {
                commitTimerPending = true
                let delay = options.commitDelay
                // The real clock, not the injected sleep: the timer must end when the run is
                // over (cancellation), whatever a test's clock does.
                group.addTask {
                    try? await Task.sleep(for: delay)
                    return .commitDue
                }
            }
            return
        }
        if let saved = pendingBreaker { journal.record([.breaker(saved)]) }
        committing = pendingCompletions
        committingEnables = pendingEnables
        pendingEnables = nil
        pendingCompletions = []
        pendingBreaker = nil
        uncommitted = false
        commitOverdue = false
        recoveryDue = false
        committingRecorded = unrecorded
        group.addTask { .committed(await journal.commit()) }
    }

    /// Whether the run waits for the journal to become writable again.
    private var recovering: Bool {
        unwritableSince != nil && !recoveryOver
    }

    /// Nothing could be written to the journal: no attempt starts; the commit is retried with a
    /// backoff (250 ms doubling to 5 s) until it succeeds, or the grace period has passed since
    /// the first failure — then the run stops launching, lets running attempts end and ends as
    /// ``RunReport/Status/journalFailed``.
    private mutating func journalUnwritable(_ message: String, _ group: inout TaskGroup<ChildResult>) {
        guard !recoveryOver else { return }
        let since = unwritableSince ?? now()
        unwritableSince = since
        let left = options.checkpointGrace.wholeMilliseconds - Int(now().timeIntervalSince(since) * 1000)
        guard left > 0 else {
            recoveryOver = true
            journalStopped = true
            state.stopLaunching = true
            let grace = DurationText.format(options.checkpointGrace)
            onEvent(
                .journalFailed(message: "nothing could be written to the checkpoint for \(grace): \(message)", stopsRun: true))
            return
        }
        let delay = Duration.milliseconds(min(left, 5_000, 250 << min(recoveryRetries, 5)))
        recoveryRetries += 1
        onEvent(.journalUnwritable(message: message, unrecorded: unrecorded.sorted(), since: since, retryIn: delay))
        guard !recoveryTimerPending else { return }
        recoveryTimerPending = true
        let sleep = self.sleep
        group.addTask {
            do {
                try await sleep(delay)
                return .recoveryDue(cancelled: false)
            } catch {
                return .recoveryDue(cancelled: true)
            }
        }
    }

    /// Writes the start record of the attempt just launched. When it cannot be written the
    /// workstream is not launched: it is ready again, and the run waits for the journal.
    private mutating func recordStart(of node: Int, attempt: Int, _ group: inout TaskGroup<ChildResult>) -> Bool {
        guard let journal else { return true }
        let id = graph.workstreams[node].id
        do {
            try journal.attemptStarting(id: id, attempt: attempt)
            return true
        } catch {
            state.unlaunch(node)
            journalUnwritable("the start of \(id) could not be recorded, so it was not launched: \(error)", &group)
            return false
        }
    }

    /// oneshot could not start the attempt (no descriptor, no process, no space for the log): not
    /// the workstream's failure. The breaker does not see it and the workstream's retries are
    /// untouched; it is tried again after a backoff, unless such failures have lasted the grace
    /// period, which ends the run as ``RunReport/Status/infrastructureFailed``.
    private mutating func attemptNotStarted(
        node: Int, attempt: Int, error: InfrastructureError, _ group: inout TaskGroup<ChildResult>
    ) {
        if let permit = permits.removeValue(forKey: node) { breaker?.release(permit) }
        state.deferAttempt(node)
        let since = infrastructureFailingSince ?? now()
        infrastructureFailingSince = since
        let id = graph.workstreams[node].id
        journal?.attemptNotStarted(id: id, attempt: attempt)
        if !state.stopLaunching && now().timeIntervalSince(since) * 1000 >= Double(options.checkpointGrace.wholeMilliseconds) {
            infrastructureStopped = true
            state.stopLaunching = true
        }
        if state.stopLaunching {
            onEvent(.infrastructureFailed(id: id, attempt: attempt, message: error.message, retryIn: nil))
            // Ready again but never launched: it ends as not run.
            state.retryDue(node, cancelled: false)
            return
        }
        infrastructureStreak += 1
        let delay = options.backoff.delay(afterAttempt: infrastructureStreak, using: &random)
        onEvent(.infrastructureFailed(id: id, attempt: attempt, message: error.message, retryIn: delay))
        scheduleRetry(of: node, after: delay, &group)
    }

    /// Makes `node` ready again after `delay` (on the injected clock), or interrupted if the
    /// run is cancelled meanwhile.
    private func scheduleRetry(of node: Int, after delay: Duration, _ group: inout TaskGroup<ChildResult>) {
        let sleep = self.sleep
        group.addTask {
            do {
                try await sleep(delay)
                return .retryDue(node: node, cancelled: false)
            } catch {
                return .retryDue(node: node, cancelled: true)
            }
        }
    }

    /// Every attempt's outcome goes through the breaker; an interrupted one hands its permit back.
    private mutating func recordInBreaker(node: Int, status: AttemptStatus) {
        guard var breaker, let permit = permits.removeValue(forKey: node) else { return }
        defer { self.breaker = breaker }
        if status == .interrupted || status == .uncertain {
            breaker.release(permit)
            return
        }
        let before = breaker.saved
        let transition = breaker.record(
            permit, failed: status != .succeeded, name: graph.workstreams[node].id, now: now()
        )
        // Only the breaker's latest state matters: at most one entry per commit.
        if journal != nil && breaker.saved != before { pendingBreaker = breaker.saved }
        guard let transition else { return }
        onEvent(.breakerChanged(transition))
        if transition.gaveUp {
            state.stopLaunching = true
            breakerRetryAt = transition.nextProbeAt
        }
    }

    /// Asks the breaker whether one more attempt may start; schedules a wake-up when it is open.
    private mutating func breakerAdmits(_ group: inout TaskGroup<ChildResult>) -> CircuitBreaker.Permit?? {
        guard var breaker else { return .some(nil) }
        defer { self.breaker = breaker }
        switch breaker.admit(now: now()) {
        case .admitted(let permit):
            return .some(permit)
        case .rejected(let until):
            if let until, !breakerTimerPending {
                breakerTimerPending = true
                onEvent(.breakerWaiting(until: until))
                let delay = max(0, until.timeIntervalSince(now()))
                let sleep = self.sleep
                group.addTask {
                    try? await sleep(.milliseconds(Int64((delay * 1000).rounded(.up))))
                    return .breakerTimer
                }
            }
            return nil
        case .gaveUp(let retryAt):
            state.stopLaunching = true
            breakerRetryAt = retryAt
            return nil
        }
    }

    /// Starts waiting for the attempts adopted from an earlier run: they are running already,
    /// so neither the limit nor the breaker applies; the rest of their timeout does.
    private mutating func awaitAdopted(_ group: inout TaskGroup<ChildResult>) {
        for adopted in options.adopted {
            guard let node = graph.node(adopted.id), state.phase[node] == .running else { continue }
            let workstream = graph.workstreams[node]
            let attempt = adopted.attempt
            onEvent(.workstreamStarted(id: workstream.id, attempt: attempt))
            let timeout = (workstream.timeout ?? options.defaultTimeout).map { max(.zero, $0 - adopted.runningFor) }
            let runner = AttemptRunner(
                executor: { _, _ in try await adopted.wait() }, sleep: sleep, outputsRoot: options.outputsRoot)
            group.addTask { await Self.attempt(node, attempt, of: workstream, through: runner, timeout: timeout) }
        }
    }

    private mutating func launchReady(_ group: inout TaskGroup<ChildResult>) {
        while state.canLaunch(limit: options.maxConcurrency) && !recovering {
            // A free slot waits the few moments of a commit that will make a more urgent
            // workstream ready, rather than going to a less urgent one.
            if let enables = committingEnables, state.outranksReady(enables) { return }
            if let enables = pendingEnables, state.outranksReady(enables) { return }
            if let next = state.nextReady, !fitsBeforeDeadline(next) {
                setAside.append(graph.workstreams[next].id)
                state.setAsideNext()
                continue
            }
            guard let admitted = breakerAdmits(&group) else { return }
            guard let (node, attempt) = state.launch(limit: options.maxConcurrency) else { return }
            guard recordStart(of: node, attempt: attempt, &group) else {
                if let permit = admitted { breaker?.release(permit) }
                return
            }
            if let permit = admitted { permits[node] = permit }
            let workstream = graph.workstreams[node]
            onEvent(.workstreamStarted(id: workstream.id, attempt: attempt))
            let timeout = workstream.timeout ?? options.defaultTimeout
            let runner = AttemptRunner(executor: executor, sleep: sleep, outputsRoot: options.outputsRoot)
            group.addTask { await Self.attempt(node, attempt, of: workstream, through: runner, timeout: timeout) }
        }
    }

    /// Wakes the loop at ``DispatchOptions/deadline``, on the injected clock.
    private mutating func startDeadlineTimer(_ group: inout TaskGroup<ChildResult>) {
        guard let deadline = options.deadline else { return }
        let left = deadline.timeIntervalSince(now())
        guard left > 0 else {
            reachDeadline(&group)
            return
        }
        let sleep = self.sleep
        group.addTask {
            do {
                try await sleep(.milliseconds(Int64((left * 1000).rounded(.up))))
                return .deadlineDue(cancelled: false)
            } catch {
                return .deadlineDue(cancelled: true)
            }
        }
    }

    /// The deadline came: nothing new starts and every running attempt is cancelled, as on a
    /// signal; their outcomes are recorded (interrupted) and committed as the run winds down.
    private mutating func reachDeadline(_ group: inout TaskGroup<ChildResult>) {
        guard !deadlineReached else { return }
        deadlineReached = true
        state.stopLaunching = true
        group.cancelAll()
    }

    /// Whether `node`'s known duration fits in the time left before the deadline; a workstream
    /// of unknown duration is given its chance.
    private func fitsBeforeDeadline(_ node: Int) -> Bool {
        guard let deadline = options.deadline, let known = options.knownDurations[graph.workstreams[node].id] else {
            return true
        }
        return known <= deadline.timeIntervalSince(now())
    }

    /// Runs one attempt in a child task and says how it went, timed on the monotonic clock.
    private static func attempt(
        _ node: Int, _ attempt: Int, of workstream: Workstream, through runner: AttemptRunner, timeout: Duration?
    ) async -> ChildResult {
        let clock = ContinuousClock()
        let start = clock.now
        switch await runner.run(workstream, attempt: attempt, timeout: timeout) {
        case let .ran(status, result):
            return .attemptEnded(node: node, attempt: attempt, status: status, result: result, duration: clock.now - start)
        case .notStarted(let error):
            return .attemptNotStarted(node: node, attempt: attempt, error: error)
        }
    }

    private func makeReport(elapsed: Duration, cancelled: Bool) -> RunReport {
        var results: [WorkstreamResult] = []
        results.reserveCapacity(graph.count)
        var blocked = false
        // Whether anything failed (or was stopped), and whether work awaits a decision: a run
        // with only the latter is held, not failed.
        var failing = false
        var undecided = false
        for node in 0..<graph.count {
            let state: WorkstreamState
            var blockedBy: String?
            switch self.state.phase[node] {
            case .succeeded: state = .succeeded
            case .alreadyDone: state = .alreadyDone
            case .failed: state = .failed
            case .skipped(let by):
                state = .skipped
                blockedBy = graph.workstreams[by].id
            case .interrupted: state = .interrupted
            case .uncertain: state = .uncertain
            case .waiting, .ready, .running, .backingOff: state = self.state.isHeld(node) ? .held : .notRun
            }
            if state != .succeeded && state != .alreadyDone { blocked = true }
            if state == .failed || state == .skipped || state == .interrupted { failing = true }
            if state == .held || state == .uncertain { undecided = true }
            results.append(
                WorkstreamResult(
                    id: graph.workstreams[node].id, state: state, attempts: self.state.attempts[node],
                    duration: durations[node], lastAttempt: lastAttempt[node], blockedBy: blockedBy
                ))
        }
        let status: RunReport.Status =
            if journalStopped { .journalFailed } else if infrastructureStopped {
                .infrastructureFailed
            } else if breakerRetryAt != nil && blocked {
                .breakerGaveUp
            } else if (deadlineReached || !setAside.isEmpty) && blocked {
                .deadlineReached
            } else if cancelled && blocked { .interrupted } else if blocked && undecided && !failing { .held } else if blocked {
                .failed
            } else {
                .succeeded
            }
        var report = RunReport(status: status, results: results, elapsed: elapsed, breakerRetryAt: breakerRetryAt)
        report.unrecorded = unrecorded.sorted()
        report.setAside = setAside
        return report
    }
}
