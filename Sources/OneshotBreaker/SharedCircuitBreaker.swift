import Foundation
import Synchronization

/// A ``CircuitBreaker`` behind a lock, for callers on many tasks at once (an embedding harness
/// guarding its own calls). Every operation is one critical section, so the half-open probe is
/// handed out compare-and-set style: two callers racing cannot both get it.
public final class SharedCircuitBreaker: Sendable {
    private let breaker: Mutex<CircuitBreaker>

    /// Wraps `breaker`.
    public init(_ breaker: CircuitBreaker = CircuitBreaker()) {
        self.breaker = Mutex(breaker)
    }

    /// See ``CircuitBreaker/admit(now:)``.
    public func admit(now: Date = Date()) -> CircuitBreaker.Admission {
        breaker.withLock { $0.admit(now: now) }
    }

    /// See ``CircuitBreaker/record(_:failed:name:now:)``.
    public func record(_ permit: CircuitBreaker.Permit, failed: Bool, name: String, now: Date = Date()) -> CircuitBreaker
        .Transition?
    {
        breaker.withLock { $0.record(permit, failed: failed, name: name, now: now) }
    }

    /// See ``CircuitBreaker/release(_:)``.
    public func release(_ permit: CircuitBreaker.Permit) {
        breaker.withLock { $0.release(permit) }
    }

    /// A copy of the breaker now.
    public var value: CircuitBreaker { breaker.withLock { $0 } }
}
