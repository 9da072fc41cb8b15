import Foundation
import OneshotBreaker
import OneshotGraph
import OneshotWorkstreams

/// Starting attempts: the ready ones in the free slots, most urgent first, and the ones adopted
/// from an earlier run, each in a child task of the loop's group.
extension DispatchLoop {
    /// An attempt decided in a loop turn, started once its start record is written.
    struct Launch {
        var node: Int
        var attempt: Int
        /// The breaker's permit, if the run has a breaker.
        var permit: CircuitBreaker.Permit?
    }

    /// Starts waiting for the attempts adopted from an earlier run: they are running already,
    /// so neither the limit nor the breaker applies; the rest of their timeout does.
    mutating func awaitAdopted(_ group: inout TaskGroup<ChildResult>) {
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
    mutating func launchReady(_ group: inout TaskGroup<ChildResult>, writing entries: [JournalEntry] = [])
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
}
