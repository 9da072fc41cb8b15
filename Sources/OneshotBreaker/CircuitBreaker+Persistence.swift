import Foundation

extension CircuitBreaker {
    /// What is saved of a breaker in the checkpoint, with wall-clock times.
    public struct Saved: Sendable, Equatable {
        /// The state.
        public var state: State
        /// The window, oldest first; `true` is a failure.
        public var window: [Bool]
        /// The workstream of each of ``window``'s outcomes; `nil` when saved without them (the
        /// seed's format, checkpoints of oneshot before `window_ids`).
        public var windowIDs: [String]?
        /// Trips in a row.
        public var consecutiveOpens: Int
        /// While open: when the open period ends.
        public var openUntil: Date?
        /// The last counted failure.
        public var lastFailure: Date?
        /// The last change of state.
        public var lastStateChange: Date?
        /// Successes since it last closed.
        public var successCount: Int

        /// Creates a record.
        public init(
            state: State, window: [Bool] = [], windowIDs: [String]? = nil, consecutiveOpens: Int = 0, openUntil: Date? = nil,
            lastFailure: Date? = nil, lastStateChange: Date? = nil, successCount: Int = 0
        ) {
            self.state = state
            self.window = window
            self.windowIDs = windowIDs
            self.consecutiveOpens = consecutiveOpens
            self.openUntil = openUntil
            self.lastFailure = lastFailure
            self.lastStateChange = lastStateChange
            self.successCount = successCount
        }
    }

    /// The breaker as the checkpoint saves it.
    public var saved: Saved {
        Saved(
            state: state, window: window, windowIDs: outcomes.map(\.id), consecutiveOpens: consecutiveOpens,
            openUntil: openUntil, lastFailure: lastFailure, lastStateChange: lastStateChange, successCount: successCount
        )
    }

    /// Restores a saved breaker at `now`, never trusting its times blindly.
    ///
    /// A breaker saved half-open comes back open with its timer expired: the probe's outcome was
    /// lost, so a new probe goes first. An open period is recomputed when missing (the seed
    /// format has no end time) and clamped to at most ``BreakerConfiguration/maxBackoff`` from
    /// now; trips in a row are clamped to ``BreakerConfiguration/maxOpens``.
    ///
    /// A closed breaker's window comes back with its workstreams (each once, its latest outcome
    /// kept). A window saved without them (``Saved/windowIDs`` `nil`, or not one id per outcome)
    /// comes back empty: its failures may all be one workstream's retries, which must not trip
    /// the breaker, and nothing tells them apart from an outage's; an outage still under way then
    /// trips it after ``BreakerConfiguration/threshold`` distinct failures, as in a new run.
    public static func restoring(_ saved: Saved, configuration: BreakerConfiguration, now: Date) -> CircuitBreaker {
        var breaker = CircuitBreaker(configuration: configuration)
        breaker.consecutiveOpens = min(max(saved.consecutiveOpens, 0), configuration.maxOpens)
        breaker.lastFailure = saved.lastFailure.map { min($0, now) }
        breaker.lastStateChange = saved.lastStateChange.map { min($0, now) }
        breaker.successCount = max(0, saved.successCount)
        switch saved.state {
        case .closed:
            breaker.outcomes = restoredWindow(saved, size: configuration.window)
        case .halfOpen:
            breaker.state = .open
            breaker.consecutiveOpens = max(1, breaker.consecutiveOpens)
            breaker.openUntil = now
        case .open:
            breaker.state = .open
            breaker.consecutiveOpens = max(1, breaker.consecutiveOpens)
            let period = BreakerConfiguration.seconds(configuration.openPeriod(afterOpens: breaker.consecutiveOpens))
            let computed = saved.openUntil ?? (breaker.lastFailure ?? now).addingTimeInterval(period)
            let cap = now.addingTimeInterval(BreakerConfiguration.seconds(configuration.maxBackoff))
            breaker.openUntil = min(computed, cap)
        }
        return breaker
    }

    /// The saved window with its ids, each workstream once (its latest outcome), newest kept.
    private static func restoredWindow(_ saved: Saved, size: Int) -> [Outcome] {
        guard let ids = saved.windowIDs, ids.count == saved.window.count else { return [] }
        var seen = Set<String>()
        var newestFirst: [Outcome] = []
        for (id, failed) in zip(ids, saved.window).reversed() where newestFirst.count < size && seen.insert(id).inserted {
            newestFirst.append(Outcome(id: id, failed: failed))
        }
        return newestFirst.reversed()
    }
}
