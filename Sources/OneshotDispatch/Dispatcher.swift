import Foundation
import OneshotGraph
import OneshotSystem
import OneshotWorkstreams

/// Runs a feature's workstreams as their dependencies allow, at most `maxConcurrency` at once.
///
/// The dispatcher is work-conserving: a workstream starts the moment its last dependency has
/// completed (and that completion is durable, when a ``RunJournal`` is given) and a slot is free;
/// there is no batch barrier. Among ready workstreams the one with the longest remaining critical
/// path starts first, ties by id. A failed workstream's dependents are skipped while independent
/// branches go on. All work happens in one task group whose children report back to a single
/// loop that owns the dispatch state.
///
/// ```swift
/// let graph = try WorkstreamGraph(feature.workstreams)
/// let dispatcher = Dispatcher(graph: graph, options: DispatchOptions(maxConcurrency: 4))
/// let report = await dispatcher.run { workstream, attempt in
///     try await myAgent.build(workstream.id)  // your closure
///     return .success
/// }
/// ```
public struct Dispatcher: Sendable {
    /// The feature to run.
    public let graph: WorkstreamGraph
    /// How to run it.
    public let options: DispatchOptions
    /// Where progress is recorded, if anywhere.
    public let journal: (any RunJournal)?
    /// Every wait and measure of the run, and its wall clock.
    let time: RunClock

    /// Creates a dispatcher.
    ///
    /// - Parameters:
    ///   - graph: the validated feature.
    ///   - options: concurrency, retries, timeouts, earlier durations and completions.
    ///   - journal: records progress durably (the checkpoint); `nil` for none.
    ///   - clock: times every wait of the run — retry backoffs, timeouts, the breaker's open
    ///     period, the deadline, the commit timer, the retries of an unwritable journal — and
    ///     measures the attempts' durations; tests may inject a manual clock.
    ///   - wallClock: the date of what is persisted or compared with persisted dates (the
    ///     breaker's state, ``DispatchOptions/deadline``, the grace period of an unwritable
    ///     journal); tests may inject one that follows their clock.
    public init(
        graph: WorkstreamGraph,
        options: DispatchOptions = DispatchOptions(),
        journal: (any RunJournal)? = nil,
        clock: any Clock<Duration> = ContinuousClock(),
        wallClock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.init(graph: graph, options: options, journal: journal, time: RunClock(clock: clock, wallClock: wallClock))
    }

    /// Every initialiser ends here.
    init(graph: WorkstreamGraph, options: DispatchOptions, journal: (any RunJournal)?, time: RunClock) {
        self.graph = graph
        self.options = options
        self.journal = journal
        self.time = time
    }

    /// Runs the feature to its end, or until the calling task is cancelled.
    ///
    /// On cancellation no new attempt starts; running attempts are cancelled (the executor should
    /// stop them) and end as interrupted; the report's status is ``RunReport/Status/interrupted``.
    ///
    /// - Parameters:
    ///   - executor: runs one attempt of one workstream.
    ///   - onEvent: called on the dispatcher's loop for every event, in order; keep it short.
    /// - Returns: what happened to every workstream.
    public func run(
        executor: @escaping Executor,
        onEvent: @escaping @Sendable (RunEvent) -> Void = { _ in }
    ) async -> RunReport {
        var loop = DispatchLoop(dispatcher: self, executor: executor, onEvent: onEvent)
        // Without a descriptor for the loop's pipe, the shared pool does the same work.
        guard options.threading == .dedicatedThread, let eventLoop = try? EventLoop(name: "oneshot.run-loop") else {
            return await loop.run()
        }
        defer { eventLoop.stop() }
        return await EventLoop.$current.withValue(eventLoop) {
            await withTaskExecutorPreference(eventLoop) { await loop.run() }
        }
    }

    /// The same run, with its events as an asynchronous sequence that ends after
    /// ``RunEvent/runFinished(_:)``, and its report.
    ///
    /// The run starts at once and goes on while the sequence is consumed. When the consuming
    /// task is cancelled (or stops iterating and drops the sequence), the run is cancelled as
    /// ``run(executor:onEvent:)`` would be: no new attempt starts, running ones end interrupted.
    /// Its last events then have no consumer, but ``RunEvents/report`` still gives its report.
    ///
    /// ```swift
    /// let events = dispatcher.events(executor: build)
    /// for await event in events { show(event) }  // may be cancelled
    /// let report = await events.report  // always there
    /// ```
    public func events(executor: @escaping Executor) -> RunEvents {
        let (stream, continuation) = AsyncStream<RunEvent>.makeStream()
        let task = Task {
            let report = await run(executor: executor) { continuation.yield($0) }
            continuation.finish()
            return report
        }
        continuation.onTermination = { _ in task.cancel() }
        return RunEvents(stream: stream, task: task)
    }
}
