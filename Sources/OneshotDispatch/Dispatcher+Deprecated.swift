import Foundation
import OneshotGraph

/// The initialisers of closures for time, before ``Dispatcher/init(graph:options:journal:clock:wallClock:)``.
extension Dispatcher {
    /// Creates a dispatcher whose waits go through `sleep`: retry backoffs, timeouts, the
    /// breaker's open period, the deadline. The commit timer and the measured durations stay on
    /// the real clock, as they did (a `sleep` that returns at once must not make every commit
    /// overdue).
    ///
    /// - Parameters:
    ///   - graph: the validated feature.
    ///   - options: concurrency, retries, timeouts, earlier durations and completions.
    ///   - journal: records progress durably (the checkpoint); `nil` for none.
    ///   - sleep: waits for a delay.
    ///   - now: the wall clock.
    @available(*, deprecated, message: "pass a Clock: init(graph:options:journal:clock:wallClock:)")
    public init(
        graph: WorkstreamGraph, options: DispatchOptions = DispatchOptions(), journal: (any RunJournal)? = nil,
        sleep: @escaping @Sendable (Duration) async throws -> Void, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.init(graph: graph, options: options, journal: journal, time: RunClock(sleep: sleep, now: now))
    }

    /// Creates a dispatcher on the real clock whose wall clock is `now`.
    ///
    /// - Parameters:
    ///   - graph: the validated feature.
    ///   - options: concurrency, retries, timeouts, earlier durations and completions.
    ///   - journal: records progress durably (the checkpoint); `nil` for none.
    ///   - now: the wall clock.
    @available(*, deprecated, renamed: "init(graph:options:journal:clock:wallClock:)")
    public init(
        graph: WorkstreamGraph, options: DispatchOptions = DispatchOptions(), journal: (any RunJournal)? = nil,
        now: @escaping @Sendable () -> Date
    ) {
        self.init(graph: graph, options: options, journal: journal, wallClock: now)
    }
}
