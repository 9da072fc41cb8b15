import Foundation
import OneshotBreaker
import OneshotSystem

extension BreakerSnapshot {
    /// The seed's keys (`state`, `failure_count`, `success_count`, `consecutive_opens`,
    /// `last_failure_time`) and the window with its workstreams, open period end and last change
    /// of version 1.1.
    public init(_ saved: CircuitBreaker.Saved) {
        self.init(
            state: saved.state.rawValue,
            failureCount: saved.window.reduce(0) { $0 + ($1 ? 1 : 0) },
            successCount: saved.successCount,
            consecutiveOpens: saved.consecutiveOpens,
            lastFailureTime: saved.lastFailure.map(RFC3339.format),
            window: saved.window.map { $0 ? 1 : 0 },
            openUntil: saved.openUntil.map(RFC3339.formatMilliseconds),
            lastStateChange: saved.lastStateChange.map(RFC3339.formatMilliseconds),
            windowIDs: saved.windowIDs
        )
    }

    /// The breaker state to restore. A seed file has no window: its `failure_count` failures
    /// stand for one, without workstreams, so a closed breaker restores it empty (as any window
    /// without `window_ids`). Times before the year 2000 (Go's zero time) mean none.
    public var saved: CircuitBreaker.Saved {
        func date(_ text: String?) -> Date? {
            text.flatMap(RFC3339.parse).flatMap { $0.timeIntervalSince1970 > 946_684_800 ? $0 : nil }
        }
        let window = self.window.map { $0.map { $0 != 0 } } ?? Array(repeating: true, count: min(max(failureCount, 0), 1000))
        return CircuitBreaker.Saved(
            state: CircuitBreaker.State(rawValue: state) ?? .closed,
            window: window,
            windowIDs: windowIDs,
            consecutiveOpens: consecutiveOpens,
            openUntil: date(openUntil),
            lastFailure: date(lastFailureTime),
            lastStateChange: date(lastStateChange),
            successCount: successCount
        )
    }
}

extension BreakerSnapshot {
    /// A closed breaker with zero counts, as the seed writes one before anything happened (its
    /// `last_failure_time` is Go's zero time): the snapshot always holds a `circuit_breaker`.
    public static let closedWithoutHistory = BreakerSnapshot(
        state: 0, failureCount: 0, successCount: 0, consecutiveOpens: 0, lastFailureTime: "0001-01-01T00:00:00Z")
}
