import Foundation

/// A circuit breaker as a pure value: it decides, it records, it reports transitions; it never
/// sleeps, locks or reads a clock. Time is passed in, so tests drive it and the dispatcher's
/// single loop owns it.
///
/// - **Closed**: every call is admitted. The window keeps the latest outcome of each of the last
///   ``BreakerConfiguration/window`` workstreams (calls are told apart by `name`): a workstream
///   counts once, however often it is retried, and a later success replaces its failure. When
///   ``BreakerConfiguration/threshold`` distinct workstreams in it have failed, it trips — the
///   breaker detects a shared outage; one broken workstream is its retry policy's business.
/// - **Open**: nothing is admitted until the open period ends (exponential, capped).
/// - **Half-open**: exactly one probe is admitted. Its success closes the breaker and resets the
///   window and the trip count; its failure opens it again with the next period.
///
/// Each transition bumps a generation; outcomes of calls admitted before it are stale and move
/// nothing (a stale failure cannot re-trip, a stale success cannot close). After
/// ``BreakerConfiguration/maxOpens`` trips in a row the breaker has given up.
public struct CircuitBreaker: Sendable, Equatable {
    /// The three states, numbered as the checkpoint stores them.
    public enum State: Int, Sendable, Codable {
        /// Calls flow.
        case closed = 0
        /// Calls are held back.
        case open = 1
        /// One probe may go.
        case halfOpen = 2

        /// `closed`, `open` or `half_open`.
        public var name: String {
            switch self {
            case .closed: "closed"
            case .open: "open"
            case .halfOpen: "half_open"
            }
        }
    }

    /// Permission for one call, to hand back with its outcome.
    public struct Permit: Sendable, Equatable {
        /// The generation it was issued in.
        public let generation: UInt64
        /// Whether it is the half-open probe.
        public let isProbe: Bool
    }

    /// What ``admit(now:)`` decided.
    public enum Admission: Sendable, Equatable {
        /// Go ahead.
        case admitted(Permit)
        /// Not now; retry at the date (open), or when the probe ends (`nil`, half-open).
        case rejected(until: Date?)
        /// The breaker has given up: nothing more in this run.
        case gaveUp(retryAt: Date)
    }

    /// A change of state, for events and logs.
    public struct Transition: Sendable, Equatable {
        /// The state before.
        public var from: State
        /// The state after.
        public var to: State
        /// Why, e.g. `3 of last 5 workstreams failed (a, b, c)` or `probe 00-052-07 succeeded`.
        public var reason: String
        /// While open: when a probe will be allowed.
        public var nextProbeAt: Date?
        /// Whether the breaker has given up with this transition.
        public var gaveUp: Bool

        /// Creates a transition.
        public init(from: State, to: State, reason: String, nextProbeAt: Date?, gaveUp: Bool) {
            self.from = from
            self.to = to
            self.reason = reason
            self.nextProbeAt = nextProbeAt
            self.gaveUp = gaveUp
        }
    }

    /// The latest outcome of one workstream, as the window keeps it.
    public struct Outcome: Sendable, Equatable {
        /// The workstream, as named to ``CircuitBreaker/record(_:failed:name:now:)``.
        public var id: String
        /// Whether it failed.
        public var failed: Bool

        /// Creates an outcome.
        public init(id: String, failed: Bool) {
            self.id = id
            self.failed = failed
        }
    }

    /// The configuration.
    public let configuration: BreakerConfiguration
    /// The current state.
    public internal(set) var state: State = .closed
    /// While closed: the latest outcome of each of the last workstreams, oldest first, one entry
    /// per workstream, at most ``BreakerConfiguration/window`` of them.
    public internal(set) var outcomes: [Outcome] = []
    /// Trips in a row without a success between them.
    public internal(set) var consecutiveOpens = 0
    /// While open: when the open period ends.
    public internal(set) var openUntil: Date?
    /// When the last counted failure happened.
    public internal(set) var lastFailure: Date?
    /// When the state last changed.
    public internal(set) var lastStateChange: Date?
    /// Successes counted since the breaker last closed.
    public internal(set) var successCount = 0
    /// Bumped at every transition; permits of older generations are stale.
    public internal(set) var generation: UInt64 = 0
    private var probeOut = false

    /// A closed breaker.
    public init(configuration: BreakerConfiguration = BreakerConfiguration()) {
        self.configuration = configuration
    }

    /// The window's outcomes, oldest first; `true` is a failure.
    public var window: [Bool] { outcomes.map(\.failed) }

    /// Failures in the window: distinct workstreams whose latest outcome failed.
    public var failureCount: Int { outcomes.reduce(0) { $0 + ($1.failed ? 1 : 0) } }

    /// Whether the run must stop launching for good: set by the trip that reaches
    /// ``BreakerConfiguration/maxOpens``. A restored breaker has not given up: a later run waits
    /// out the open period and probes once more.
    public internal(set) var hasGivenUp = false

    /// Asks to make one call at `now`. In half-open, the first caller gets the probe and every
    /// other caller is rejected until its outcome is recorded or released.
    public mutating func admit(now: Date) -> Admission {
        switch state {
        case .closed:
            return .admitted(Permit(generation: generation, isProbe: false))
        case .open:
            let until = openUntil ?? now
            if hasGivenUp { return .gaveUp(retryAt: until) }
            guard now >= until else { return .rejected(until: until) }
            state = .halfOpen
            generation &+= 1
            lastStateChange = now
            probeOut = true
            return .admitted(Permit(generation: generation, isProbe: true))
        case .halfOpen:
            guard !probeOut else { return .rejected(until: nil) }
            probeOut = true
            return .admitted(Permit(generation: generation, isProbe: true))
        }
    }

    /// Records the outcome of a call admitted with `permit`.
    ///
    /// - Parameters:
    ///   - permit: what ``admit(now:)`` returned.
    ///   - failed: whether the call failed (a non-zero exit, an error, a timeout).
    ///   - name: the workstream the call ran: the window keeps one outcome per name, the latest.
    ///   - now: the time.
    /// - Returns: the transition this outcome caused, if any.
    public mutating func record(_ permit: Permit, failed: Bool, name: String, now: Date) -> Transition? {
        guard permit.generation == generation else { return nil }
        if failed { lastFailure = now }
        switch state {
        case .closed:
            count(Outcome(id: name, failed: failed))
            if !failed { successCount += 1 }
            guard failureCount >= configuration.threshold else { return nil }
            return trip(from: .closed, reason: windowReason, now: now)
        case .halfOpen:
            guard permit.isProbe else { return nil }
            probeOut = false
            if failed { return trip(from: .halfOpen, reason: "probe \(name) failed", now: now) }
            state = .closed
            outcomes = []
            consecutiveOpens = 0
            openUntil = nil
            successCount = 1
            generation &+= 1
            lastStateChange = now
            return Transition(from: .halfOpen, to: .closed, reason: "probe \(name) succeeded", nextProbeAt: nil, gaveUp: false)
        case .open:
            return nil
        }
    }

    /// Hands back a permit whose call ended without an outcome (cancelled, interrupted): a probe
    /// permit becomes available again.
    public mutating func release(_ permit: Permit) {
        if permit.isProbe && permit.generation == generation && state == .halfOpen { probeOut = false }
    }

    /// Puts `outcome` in the window in place of its workstream's earlier one: a workstream's
    /// retries are not an outage, so it takes one slot, with its latest outcome.
    private mutating func count(_ outcome: Outcome) {
        outcomes.removeAll { $0.id == outcome.id }
        outcomes.append(outcome)
        if outcomes.count > configuration.window { outcomes.removeFirst(outcomes.count - configuration.window) }
    }

    /// `3 of last 5 workstreams failed (a, b, c)`, naming at most five.
    private var windowReason: String {
        let failed = outcomes.filter(\.failed).map(\.id)
        let names = failed.prefix(5).joined(separator: ", ") + (failed.count > 5 ? ", …" : "")
        return "\(failed.count) of last \(outcomes.count) workstreams failed (\(names))"
    }

    private mutating func trip(from: State, reason: String, now: Date) -> Transition {
        state = .open
        consecutiveOpens += 1
        let until = now.addingTimeInterval(BreakerConfiguration.seconds(configuration.openPeriod(afterOpens: consecutiveOpens)))
        openUntil = until
        outcomes = []
        successCount = 0
        probeOut = false
        generation &+= 1
        lastStateChange = now
        hasGivenUp = consecutiveOpens >= configuration.maxOpens
        return Transition(from: from, to: .open, reason: reason, nextProbeAt: until, gaveUp: hasGivenUp)
    }
}
