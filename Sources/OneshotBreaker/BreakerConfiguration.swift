/// When a ``CircuitBreaker`` trips, how long it stays open, and when it gives up.
public struct BreakerConfiguration: Sendable, Equatable {
    /// Distinct workstreams failed among the last ``window`` workstreams' latest outcomes that
    /// trip the breaker (default 3).
    public var threshold: Int
    /// How many recent workstreams' outcomes are counted, one (its latest) per workstream
    /// (default 5).
    public var window: Int
    /// The first open period (default 60 s); each further trip in a row doubles it.
    public var openTimeout: Duration
    /// The longest open period (default 5 min).
    public var maxBackoff: Duration
    /// Trips in a row, with no success between, after which the run gives up (default 3).
    public var maxOpens: Int

    /// Creates a configuration; values are clamped to sane ranges (threshold ≤ window, ≥ 1).
    public init(
        threshold: Int = 3, window: Int = 5, openTimeout: Duration = .seconds(60),
        maxBackoff: Duration = .seconds(300), maxOpens: Int = 3
    ) {
        self.window = max(1, window)
        self.threshold = min(max(1, threshold), self.window)
        self.openTimeout = max(.zero, openTimeout)
        self.maxBackoff = max(self.openTimeout, maxBackoff)
        self.maxOpens = max(1, maxOpens)
    }

    /// The open period after the `opens`-th trip in a row: `openTimeout × 2^(opens − 1)`, capped
    /// at ``maxBackoff``. Computed in floating point with the exponent bounded, so no value of
    /// `opens` overflows (the original went negative at 29 and opened at once).
    public func openPeriod(afterOpens opens: Int) -> Duration {
        let exponent = opens <= 1 ? 0 : min(opens - 1, 62)
        let seconds = min(Self.seconds(openTimeout) * Double(UInt64(1) << UInt64(exponent)), Self.seconds(maxBackoff))
        return .milliseconds(Int64(seconds * 1000))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
