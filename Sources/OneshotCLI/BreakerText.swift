import Foundation
import Oneshot
import OneshotSystem

/// How the circuit breaker's events read for people.
enum BreakerText {
    static func transition(_ transition: CircuitBreaker.Transition) -> String {
        switch transition.to {
        case .open where transition.gaveUp:
            return "⚡ breaker open (\(transition.reason)); giving up: no new workstreams start, running ones finish"
        case .open:
            let next = transition.nextProbeAt.map { "; next probe at \(time($0)) (in \(until($0)))" } ?? ""
            return "⚡ breaker open: \(transition.reason)\(next)"
        case .halfOpen:
            return "⚡ breaker half-open: \(transition.reason)"
        case .closed:
            return "⚡ breaker closed: \(transition.reason)"
        }
    }

    static func restoredOpen(_ breaker: CircuitBreaker, until date: Date) -> String {
        "circuit breaker restored open (\(trips(breaker.consecutiveOpens)) in a row): it probes at \(time(date)) (in \(until(date)))"
    }

    /// `12:01:33Z` for today, else the full RFC 3339 time.
    static func time(_ date: Date) -> String {
        let full = RFC3339.format(date)
        return full.prefix(10) == RFC3339.format(Date()).prefix(10) ? String(full.dropFirst(11)) : full
    }

    /// `42s`, `4m12s`.
    static func until(_ date: Date) -> String {
        DurationText.format(.milliseconds(Int64(max(0, date.timeIntervalSinceNow) * 1000)))
    }

    /// "1 trip", "2 trips".
    static func trips(_ count: Int) -> String { count == 1 ? "1 trip" : "\(count) trips" }
}
