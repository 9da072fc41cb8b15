import Foundation

/// A run's time: one monotonic clock for every wait and every measured duration, and one wall
/// clock for the dates that are persisted or compared with persisted ones (the breaker's open
/// period, the deadline, how long the journal has been unwritable).
struct RunClock: Sendable {
    /// Waits on the run's clock: retry backoffs, timeouts, the breaker's open period, the
    /// deadline, the retries of an unwritable journal. Throws when the task is cancelled.
    let sleep: @Sendable (Duration) async throws -> Void
    /// Waits for the commit timer.
    let commitSleep: @Sendable (Duration) async throws -> Void
    /// The time since the run's clock was read first: differences of two readings are durations.
    let elapsed: @Sendable () -> Duration
    /// The wall clock.
    let now: @Sendable () -> Date

    /// Every wait and measure on `clock`, dates from `wallClock`.
    init(clock: some Clock<Duration>, wallClock: @escaping @Sendable () -> Date) {
        let origin = clock.now
        sleep = { try await clock.sleep(for: $0) }
        commitSleep = sleep
        elapsed = { origin.duration(to: clock.now) }
        now = wallClock
    }

    /// The waits of the deprecated `Dispatcher.init(graph:options:journal:sleep:now:)`: `sleep`
    /// for every timer but the commit timer and the measures, which stay on the real clock as
    /// they always did (a `sleep` that returns at once must not make every commit overdue).
    init(sleep: @escaping @Sendable (Duration) async throws -> Void, now: @escaping @Sendable () -> Date) {
        let real = RunClock(clock: ContinuousClock(), wallClock: now)
        self.sleep = sleep
        commitSleep = real.commitSleep
        elapsed = real.elapsed
        self.now = now
    }
}
