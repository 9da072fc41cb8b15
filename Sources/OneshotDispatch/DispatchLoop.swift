import Foundation
import OneshotBreaker
import OneshotGraph
import OneshotWorkstreams

/// What a child task of the run reports back to the loop.
private enum ChildResult: Sendable {
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

/// One run of a ``Dispatcher``: the loop that owns the state, starts children and consumes
/// their results one at a time.
struct DispatchLoop {
    /// An attempt decided in a loop turn, started once its start record is written.
    private struct Launch {
        var node: Int
        var attempt: Int
        /// The breaker's permit, if the run has a breaker.
        var permit: CircuitBreaker.Permit?
    }

    /// The breaker's answer to "may one more attempt start?".
    private enum Admission {
        /// The run has no breaker.
        case unguarded
        /// Yes, under this permit, handed back with the attempt's outcome.
        case admitted(CircuitBreaker.Permit)
        /// No: it is open (a wake-up is scheduled) or gave up.
        case refused
    }

    private let graph: WorkstreamGraph
    private let options: DispatchOptions
    private let journal: (any RunJournal)?
    private let executor: Executor
    private let onEvent: @Sendable (RunEvent) -> Void
    private let time: RunClock
    private var state: DispatchState
    private var random: SeededRandom
    private var durations: [Duration]
    private var lastAttempt: [AttemptReport?]
    /// What is recorded, committing, or waiting for a writable journal.
    private var pipeline: CommitPipeline
    private var breaker: CircuitBreaker?
    /// Permits of running attempts, by node: handed back with their outcome.
    private var permits: [Int: CircuitBreaker.Permit] = [:]
    private var breakerTimerPending = false
    private var breakerRetryAt: Date?
    /// While attempts fail for oneshot's own reasons with no attempt ending in between.
    private var infrastructureFailingSince: Date?
    private var infrastructureStreak = 0
    private var infrastructureStopped = false
    /// The ``InfrastructureError/lasting`` error that stopped the run, if one did.
    private var lastingLaunchError: String?
    /// Whether the deadline came, and the workstreams not launched because they would not fit
    /// before it.
    private var deadlineReached = false
    private var setAside: [String] = []
    /// The journal's `record(_:starting:)` calls made so far: what a commit's coverage counts.
    private var recordCalls = 0
    /// The workstreams prepared ahead of their launch (``DispatchOptions/preparer``).
    private var preparations = LaunchPreparations()
    /// Opens when the preparation of a prepared node has returned: its discard waits for it.
    private var preparing: [Int: Latch] = [:]

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

    private mutating func committed(
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
                pipeline.completionRecorded(node)
                state.awaitCommit(node, graph: graph)
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
                    pipeline.recorded(.skipped(id: id, blockedBy: workstream.id))
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
        if journal != nil { pipeline.recorded(.attemptFinished(report, final: final)) }
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

    /// Hands the ``DispatchOptions/preparer`` the workstreams that `launched` make worth
    /// preparing, and those prepared that will not launch, each in a task added after the turn's
    /// launches and commit: on the run's own thread they run once the children are spawned,
    /// while they run, never before.
    private mutating func prepare(after launched: [Int], _ group: inout TaskGroup<ChildResult>) {
        guard options.preparer != nil else { return }
        for node in preparations.discardable(in: state) { discard(node, &group) }
        guard !launched.isEmpty, let preparer = options.preparer else { return }
        let nodes = preparations.toPrepare(after: launched, state: state, graph: graph, limit: options.maxConcurrency)
        for node in nodes {
            let workstream = graph.workstreams[node]
            // Its next attempt: a waiting workstream has none of this run yet.
            let attempt = state.attempts[node] + 1
            let latch = Latch()
            preparing[node] = latch
            group.addTask {
                await preparer.prepare(workstream, attempt: attempt)
                latch.open()
                return .prepared
            }
        }
    }

    /// Hands the preparer the discard of `node`, once its preparation has returned.
    private mutating func discard(_ node: Int, _ group: inout TaskGroup<ChildResult>) {
        guard let preparer = options.preparer else { return }
        let workstream = graph.workstreams[node]
        let latch = preparing.removeValue(forKey: node)
        group.addTask {
            await latch?.wait()
            await preparer.discard(workstream)
            return .prepared
        }
    }

    /// A prepared workstream holds a slot: launching `node`, which is not prepared, when running
    /// and prepared ones fill every slot discards the latest preparation first (its parked shell
    /// ends without running anything).
    private mutating func makeRoom(for node: Int, _ group: inout TaskGroup<ChildResult>) {
        guard options.preparer != nil,
            let evicted = preparations.evict(toLaunch: node, running: state.running, limit: options.maxConcurrency)
        else { return }
        discard(evicted, &group)
    }

    /// Group commit (see ``CommitPipeline``): the state decides what a commit waits on — whether
    /// the recorded completions would make ready a workstream that outranks every ready one —
    /// and the pipeline whether to commit, arm the timer or wait. Meanwhile a free slot is kept
    /// for such a more urgent workstream rather than given to a less urgent one, so priorities
    /// hold as if every completion were durable at once; only the number of `fsync`s changes.
    ///
    /// - Returns: whether to start a commit once `entries`, to which it adds the breaker's
    ///   state, are written.
    private mutating func commitIfDue(_ group: inout TaskGroup<ChildResult>, recording entries: inout [JournalEntry])
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
    private mutating func recordStarts(
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

    /// oneshot could not start the attempt (no descriptor, no process, no space for the log): not
    /// the workstream's failure. The breaker does not see it and the workstream's retries are
    /// untouched; it is tried again after a backoff, unless such failures have lasted the grace
    /// period, which ends the run as ``RunReport/Status/infrastructureFailed``.
    private mutating func attemptNotStarted(
        node: Int, attempt: Int, error: InfrastructureError, _ group: inout TaskGroup<ChildResult>
    ) {
        if let permit = permits.removeValue(forKey: node) { breaker?.release(permit) }
        state.deferAttempt(node)
        let since = infrastructureFailingSince ?? time.now()
        infrastructureFailingSince = since
        let id = graph.workstreams[node].id
        journal?.attemptNotStarted(id: id, attempt: attempt)
        // A lasting error would fail the same way for the whole grace period: no wait.
        if !state.stopLaunching
            && (error.lasting || time.now().timeIntervalSince(since) * 1000 >= Double(options.checkpointGrace.wholeMilliseconds))
        {
            if error.lasting { lastingLaunchError = "\(id) attempt \(attempt) could not be started: \(error.message)" }
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
        let sleep = time.sleep
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
            permit, failed: status != .succeeded, name: graph.workstreams[node].id, now: time.now()
        )
        // Only the breaker's latest state matters: at most one entry per commit.
        if journal != nil && breaker.saved != before { pipeline.breakerChanged(breaker.saved) }
        guard let transition else { return }
        onEvent(.breakerChanged(transition))
        if transition.gaveUp {
            state.stopLaunching = true
            breakerRetryAt = transition.nextProbeAt
        }
    }

    /// Asks the breaker whether one more attempt may start; schedules a wake-up when it is open.
    private mutating func breakerAdmits(_ group: inout TaskGroup<ChildResult>) -> Admission {
        guard var breaker else { return .unguarded }
        defer { self.breaker = breaker }
        switch breaker.admit(now: time.now()) {
        case .admitted(let permit):
            return .admitted(permit)
        case .rejected(let until):
            if let until, !breakerTimerPending {
                breakerTimerPending = true
                onEvent(.breakerWaiting(until: until))
                let delay = max(0, until.timeIntervalSince(time.now()))
                let sleep = time.sleep
                group.addTask {
                    try? await sleep(.milliseconds(Int64((delay * 1000).rounded(.up))))
                    return .breakerTimer
                }
            }
            return .refused
        case .gaveUp(let retryAt):
            state.stopLaunching = true
            breakerRetryAt = retryAt
            return .refused
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
                executor: { _, _ in try await adopted.wait() }, sleep: time.sleep, outputsRoot: options.outputsRoot)
            let elapsed = time.elapsed
            group.addTask {
                await Self.attempt(node, attempt, of: workstream, through: runner, timeout: timeout, elapsed: elapsed)
            }
        }
    }

    /// Fills the free slots with ready workstreams, most urgent first; writes `entries` and
    /// their start records at once (`recordStarts`), then starts them.
    ///
    /// - Returns: the nodes started, most urgent first.
    private mutating func launchReady(_ group: inout TaskGroup<ChildResult>, writing entries: [JournalEntry] = [])
        -> [Int]
    {
        var launches: [Launch] = []
        while state.canLaunch(limit: options.maxConcurrency) && !pipeline.recovering {
            // A free slot waits the few moments of a commit that will make a more urgent
            // workstream ready, rather than going to a less urgent one.
            if let enables = pipeline.awaitedRank, state.outranksReady(enables) { break }
            if let next = state.nextReady, !fitsBeforeDeadline(next) {
                setAside.append(graph.workstreams[next].id)
                state.setAsideNext()
                continue
            }
            let admission = breakerAdmits(&group)
            if case .refused = admission { break }
            if let next = state.nextReady { makeRoom(for: next, &group) }
            guard let (node, attempt) = state.launch(limit: options.maxConcurrency) else { break }
            let permit: CircuitBreaker.Permit? = if case .admitted(let permit) = admission { permit } else { nil }
            launches.append(Launch(node: node, attempt: attempt, permit: permit))
        }
        guard recordStarts(launches, writing: entries, &group) else { return [] }
        for launch in launches { start(launch, &group) }
        return launches.map(\.node)
    }

    /// Starts the attempt whose start record is written.
    private mutating func start(_ launch: Launch, _ group: inout TaskGroup<ChildResult>) {
        let (node, attempt) = (launch.node, launch.attempt)
        if let permit = launch.permit { permits[node] = permit }
        preparations.launching(node)
        // The executor takes over what was prepared, even while it is being prepared.
        preparing[node] = nil
        let workstream = graph.workstreams[node]
        onEvent(.workstreamStarted(id: workstream.id, attempt: attempt))
        let timeout = workstream.timeout ?? options.defaultTimeout
        let runner = AttemptRunner(executor: executor, sleep: time.sleep, outputsRoot: options.outputsRoot)
        let elapsed = time.elapsed
        group.addTask {
            await Self.attempt(node, attempt, of: workstream, through: runner, timeout: timeout, elapsed: elapsed)
        }
    }

    /// Wakes the loop at ``DispatchOptions/deadline``, on the injected clock.
    private mutating func startDeadlineTimer(_ group: inout TaskGroup<ChildResult>) {
        guard let deadline = options.deadline else { return }
        let left = deadline.timeIntervalSince(time.now())
        guard left > 0 else {
            reachDeadline(&group)
            return
        }
        let sleep = time.sleep
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
        return known <= deadline.timeIntervalSince(time.now())
    }

    /// Runs one attempt in a child task and says how it went, timed on the run's clock.
    private static func attempt(
        _ node: Int, _ attempt: Int, of workstream: Workstream, through runner: AttemptRunner, timeout: Duration?,
        elapsed: @Sendable () -> Duration
    ) async -> ChildResult {
        let start = elapsed()
        switch await runner.run(workstream, attempt: attempt, timeout: timeout) {
        case let .ran(status, result):
            return .attemptEnded(
                node: node, attempt: attempt, status: status, result: result, duration: elapsed() - start)
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
            if pipeline.stopsRun { .journalFailed } else if infrastructureStopped {
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
        report.unrecorded = pipeline.unrecorded.sorted()
        report.setAside = setAside
        report.lastingLaunchError = lastingLaunchError
        return report
    }
}
