import OneshotGraph

/// The dispatcher's bookkeeping as a pure value: which nodes wait, are ready, run, back off or
/// are finished. It performs no effects; the ``Dispatcher`` loop asks it what to do and does it.
/// Every operation is O(1) or O(log n) except failure propagation, which visits each skipped
/// node once: a whole run is O((V+E) log V).
struct DispatchState {
    enum Phase: Equatable {
        case waiting
        case ready
        case running
        case backingOff
        case succeeded
        case failed
        case skipped(blockedBy: Int)
        case interrupted
        case uncertain
        case alreadyDone
    }

    private(set) var phase: [Phase]
    /// Each node's latest attempt number, counted across runs (see ``priorAttempts``).
    private(set) var attempts: [Int]
    /// Attempts earlier runs made of each node: this run's are numbered after them.
    private var priorAttempts: [Int]
    private var unmetDependencies: [Int]
    private let held: Set<Int>
    private var ready: ReadyQueue
    /// Successes recorded but whose commit has not begun (``awaitCommit(_:graph:)``).
    private var awaitingCommit: [Int] = []
    /// For each node, how many of its dependencies are in `awaitingCommit`: when that is all of
    /// its unmet dependencies, their commit makes it ready.
    private var dependenciesAwaitingCommit: [Int]
    /// The waiting nodes that the commit of `awaitingCommit` would make ready, most urgent
    /// first; an entry skipped since is left in and passed over (see
    /// ``bestRankAwaitingCommit()``).
    private var enabledByCommit: ReadyQueue
    private(set) var running = 0
    private(set) var backingOff = 0
    /// Set when no new attempt may start (cancellation, a journal that must stop the run).
    var stopLaunching = false

    /// - Parameters:
    ///   - graph: the feature.
    ///   - done: nodes already completed.
    ///   - rank: priority rank of each node (lower first).
    ///   - held: nodes never to launch.
    ///   - adopted: nodes already running (an earlier run's attempts), with their attempt numbers.
    ///   - prior: attempts earlier runs made, by node.
    init(
        graph: WorkstreamGraph, done: Set<Int>, held: Set<Int> = [], adopted: [Int: Int] = [:], prior: [Int: Int] = [:],
        rank: [Int]
    ) {
        phase = (0..<graph.count).map { done.contains($0) ? .alreadyDone : .waiting }
        attempts = [Int](repeating: 0, count: graph.count)
        for (node, count) in prior where phase[node] == .waiting { attempts[node] = max(0, count) }
        priorAttempts = attempts
        for (node, attempt) in adopted where phase[node] == .waiting {
            phase[node] = .running
            attempts[node] = attempt
            // The adopted attempt is this run's first: its retries are counted from it.
            priorAttempts[node] = max(0, attempt - 1)
            running += 1
        }
        unmetDependencies = graph.dependencies.map { $0.reduce(0) { $0 + (done.contains($1) ? 0 : 1) } }
        ready = ReadyQueue(rank: rank)
        dependenciesAwaitingCommit = [Int](repeating: 0, count: graph.count)
        enabledByCommit = ReadyQueue(rank: rank)
        self.held = held
        for node in 0..<graph.count where phase[node] == .waiting && unmetDependencies[node] == 0 && !held.contains(node) {
            phase[node] = .ready
            ready.push(node)
        }
    }

    /// The attempts of `node` made (or adopted) in this run: what its retries are counted against.
    func attemptsThisRun(_ node: Int) -> Int {
        attempts[node] - priorAttempts[node]
    }

    /// Whether nothing runs, backs off, or could still be launched.
    var isIdle: Bool {
        running == 0 && backingOff == 0 && (ready.isEmpty || stopLaunching)
    }

    /// Whether `node` is never to launch (``DispatchOptions/held``).
    func isHeld(_ node: Int) -> Bool {
        // Usually none: no hashing then.
        !held.isEmpty && held.contains(node)
    }

    /// Whether ``launch(limit:)`` would return a node.
    func canLaunch(limit: Int) -> Bool {
        !stopLaunching && running < limit && !ready.isEmpty
    }

    /// The next node to launch, if a slot is free and one is ready; it is then running.
    mutating func launch(limit: Int) -> (node: Int, attempt: Int)? {
        guard !stopLaunching, running < limit, let node = ready.pop() else { return nil }
        phase[node] = .running
        attempts[node] += 1
        running += 1
        return (node, attempts[node])
    }

    /// The `node` just launched did not start after all (its start record could not be written):
    /// it is ready again and its attempt is not counted.
    mutating func unlaunch(_ node: Int) {
        endRunning(node)
        attempts[node] -= 1
        phase[node] = .ready
        ready.push(node)
    }

    /// The running `node` could not be started for oneshot's own reasons: it waits for a retry
    /// (``retryDue(_:cancelled:)``) and its attempt is not counted.
    mutating func deferAttempt(_ node: Int) {
        assert(attempts[node] > priorAttempts[node], "deferring \(node), which has no attempt of this run")
        attempts[node] -= 1
        backOff(node)
    }

    /// The running `node` succeeded. Its dependents are released separately, by ``release(_:graph:)``,
    /// once the success is durable.
    mutating func succeeded(_ node: Int) {
        endRunning(node)
        phase[node] = .succeeded
    }

    /// Counts `nodes`' completion towards their dependents; returns those now ready.
    mutating func release(_ nodes: [Int], graph: WorkstreamGraph) -> [Int] {
        var newlyReady: [Int] = []
        for node in nodes {
            assert(phase[node] == .succeeded, "releasing \(node), which has not succeeded")
            for dependent in graph.dependents[node] {
                assert(unmetDependencies[dependent] > 0, "releasing a dependency of \(dependent) twice")
                unmetDependencies[dependent] -= 1
                guard phase[dependent] == .waiting && !isHeld(dependent) else { continue }
                if unmetDependencies[dependent] == 0 {
                    phase[dependent] = .ready
                    ready.push(dependent)
                    newlyReady.append(dependent)
                } else if unmetDependencies[dependent] == dependenciesAwaitingCommit[dependent] {
                    // What it still waits on all awaits the next commit.
                    enabledByCommit.push(dependent)
                }
            }
        }
        return newlyReady
    }

    /// The succeeded `node`'s outcome is recorded; its dependents wait for the commit that makes
    /// it durable (``commitBegan()``, then ``release(_:graph:)``). Counted at once towards
    /// ``bestRankAwaitingCommit()``: O(dependents), not a pass over every success awaiting it.
    mutating func awaitCommit(_ node: Int, graph: WorkstreamGraph) {
        assert(phase[node] == .succeeded, "\(node) awaits a commit but it is \(phase[node])")
        awaitingCommit.append(node)
        for dependent in graph.dependents[node] {
            dependenciesAwaitingCommit[dependent] += 1
            if dependenciesAwaitingCommit[dependent] == unmetDependencies[dependent] && phase[dependent] == .waiting
                && !isHeld(dependent)
            {
                enabledByCommit.push(dependent)
            }
        }
    }

    /// `nodes`, successes awaiting a commit that has not begun, are durable already (a commit
    /// under way wrote them: ``CommitPipeline/CommitFinishedAction/release(_:covered:)``): they
    /// no longer count towards ``bestRankAwaitingCommit()``; ``release(_:graph:)`` them next.
    mutating func committedEarly(_ nodes: [Int], graph: WorkstreamGraph) {
        for node in nodes {
            for dependent in graph.dependents[node] { dependenciesAwaitingCommit[dependent] -= 1 }
        }
        let durable = Set(nodes)
        awaitingCommit.removeAll { durable.contains($0) }
    }

    /// A commit began with every success awaiting one: they no longer count towards
    /// ``bestRankAwaitingCommit()``. Those of a commit that writes nothing await the next one
    /// again (``awaitCommit(_:graph:)``).
    mutating func commitBegan(graph: WorkstreamGraph) {
        for node in awaitingCommit {
            for dependent in graph.dependents[node] { dependenciesAwaitingCommit[dependent] = 0 }
        }
        awaitingCommit.removeAll(keepingCapacity: true)
        enabledByCommit.removeAll()
    }

    /// The best rank among the workstreams that the commit of the successes awaiting one
    /// (``awaitCommit(_:graph:)``) would make ready, if any: what
    /// ``bestRankEnabled(releasing:graph:)`` finds for them, kept up to date as they are
    /// recorded rather than computed again after every step (amortised O(log n)).
    mutating func bestRankAwaitingCommit() -> Int? {
        // A dependent stays enabled until the commit begins (its unmet dependencies all await
        // it, so none is released meanwhile), unless a failure skipped it.
        while let top = enabledByCommit.peek,
            phase[top] != .waiting || dependenciesAwaitingCommit[top] != unmetDependencies[top]
        {
            _ = enabledByCommit.pop()
        }
        return enabledByCommit.peek.map(ready.rank(of:))
    }

    /// The best rank among the workstreams that releasing `completions` would make ready, if
    /// any, computed afresh: the reference ``bestRankAwaitingCommit()`` is tested against.
    func bestRankEnabled(releasing completions: [Int], graph: WorkstreamGraph) -> Int? {
        var best: Int?
        func consider(_ dependent: Int) {
            let rank = ready.rank(of: dependent)
            if best.map({ rank < $0 }) ?? true { best = rank }
        }
        // A dependent waiting on this one alone needs no counting; the others are sorted, and
        // each run of one node counts the completions it waits on.
        var waitingOnMore: [Int] = []
        for node in completions {
            for dependent in graph.dependents[node] where phase[dependent] == .waiting && !isHeld(dependent) {
                if unmetDependencies[dependent] == 1 { consider(dependent) } else { waitingOnMore.append(dependent) }
            }
        }
        waitingOnMore.sort()
        var start = 0
        while start < waitingOnMore.count {
            var end = start + 1
            while end < waitingOnMore.count && waitingOnMore[end] == waitingOnMore[start] { end += 1 }
            if end - start == unmetDependencies[waitingOnMore[start]] { consider(waitingOnMore[start]) }
            start = end
        }
        return best
    }

    /// Whether a workstream of rank `rank` would start before every ready one.
    func outranksReady(_ rank: Int) -> Bool {
        guard let top = ready.peek else { return true }
        return rank < ready.rank(of: top)
    }

    /// The ready node that would launch next, if any.
    var nextReady: Int? { ready.peek }

    /// The ready node that would launch next is not launched in this run (it would not finish
    /// before the deadline): it leaves the queue and ends as not run; its dependents wait.
    mutating func setAsideNext() {
        guard let node = ready.pop() else { return }
        phase[node] = .waiting
    }

    /// The running `node` failed and will be retried after a delay.
    mutating func backOff(_ node: Int) {
        endRunning(node)
        backingOff += 1
        phase[node] = .backingOff
    }

    /// The delay of `node` is over: it is ready again (or interrupted, if the run stops).
    mutating func retryDue(_ node: Int, cancelled: Bool) {
        precondition(phase[node] == .backingOff, "Internal inconsistency: a retry of \(node) is due but it is \(phase[node])")
        backingOff -= 1
        if cancelled {
            phase[node] = .interrupted
        } else {
            phase[node] = .ready
            ready.push(node)
        }
    }

    /// The run stops launching: every node waiting out a retry's delay is interrupted now (to
    /// run again in a later run) rather than when its delay ends, which would keep a stopping
    /// run alive for up to a minute of backoff after a fail-fast failure, a full disk's
    /// `--checkpoint-grace` or the breaker giving up. Their timers' ends are then ignored.
    mutating func interruptBackoffs() {
        precondition(stopLaunching, "Internal inconsistency: retries interrupted while the run still launches")
        guard backingOff > 0 else { return }
        for node in phase.indices where phase[node] == .backingOff { phase[node] = .interrupted }
        backingOff = 0
    }

    /// The running `node` failed for good; every transitive dependent is skipped.
    /// - Returns: the skipped nodes, in the order they were reached.
    mutating func failed(_ node: Int, graph: WorkstreamGraph) -> [Int] {
        endRunning(node)
        phase[node] = .failed
        var skipped: [Int] = []
        var stack = graph.dependents[node]
        while let next = stack.popLast() {
            guard phase[next] == .waiting else { continue }
            phase[next] = .skipped(blockedBy: node)
            skipped.append(next)
            stack.append(contentsOf: graph.dependents[next])
        }
        return skipped
    }

    /// The running `node` was interrupted: it is to run again in a later run.
    mutating func interrupted(_ node: Int) {
        endRunning(node)
        phase[node] = .interrupted
    }

    /// The running `node` ended without a known outcome: like an interruption, nothing depends on
    /// it in this run, but it is not to be run again blindly.
    mutating func uncertain(_ node: Int) {
        endRunning(node)
        phase[node] = .uncertain
    }

    /// Frees the slot of the running `node`. A node that is not running would make the count
    /// wrong for the rest of the run (the loop would wait forever, or end with work running):
    /// a programming error, checked in release builds too.
    private mutating func endRunning(_ node: Int) {
        precondition(phase[node] == .running, "Internal inconsistency: \(node) ended but it is \(phase[node])")
        running -= 1
    }
}
