/// When a ``CircuitBreaker`` trips, how long it stays open, and when it gives up.
///
/// Every value is checked once, by the initialiser: a configuration that exists is valid, so
/// nothing downstream clamps or checks it again.
public struct BreakerConfiguration: Sendable, Equatable {
    /// Distinct workstreams failed among the last ``window`` workstreams' latest outcomes that
    /// trip the breaker (default 3).
    public let threshold: Int
    /// How many recent workstreams' outcomes are counted, one (its latest) per workstream
    /// (default 5).
    public let window: Int
    /// The first open period (default 60 s); each further trip in a row doubles it.
    public let openTimeout: Duration
    /// The longest open period (default 5 min).
    public let maxBackoff: Duration
    /// Trips in a row, with no success between, after which the run gives up (default 3).
    public let maxOpens: Int

    /// The defaults: trips when 3 of the last 5 workstreams failed, opens for 60 s doubling up
    /// to 5 min, gives up after 3 trips in a row.
    public init() {
        threshold = 3
        window = 5
        openTimeout = .seconds(60)
        maxBackoff = .seconds(300)
        maxOpens = 3
    }

    /// Creates a configuration from values that must make sense together.
    ///
    /// - Throws: ``BreakerConfigurationError`` naming the first field whose value is out of
    ///   range (a count below 1, a negative duration), a `threshold` above the `window`, or a
    ///   `maxBackoff` shorter than the `openTimeout`.
    public init(
        threshold: Int = 3, window: Int = 5, openTimeout: Duration = .seconds(60),
        maxBackoff: Duration = .seconds(300), maxOpens: Int = 3
    ) throws(BreakerConfigurationError) {
        for (field, value) in [(Field.threshold, threshold), (.window, window), (.maxOpens, maxOpens)] where value < 1 {
            throw .outOfRange(field, value: "\(value)")
        }
        for (field, value) in [(Field.openTimeout, openTimeout), (.maxBackoff, maxBackoff)] where value < .zero {
            throw .outOfRange(field, value: "\(value)")
        }
        guard threshold <= window else { throw .thresholdExceedsWindow(threshold: threshold, window: window) }
        guard maxBackoff >= openTimeout else {
            throw .maxBackoffShorterThanOpenTimeout(maxBackoff: maxBackoff, openTimeout: openTimeout)
        }
        self.threshold = threshold
        self.window = window
        self.openTimeout = openTimeout
        self.maxBackoff = maxBackoff
        self.maxOpens = maxOpens
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

extension BreakerConfiguration {
    /// A field of the configuration, for errors.
    public enum Field: String, Sendable, Equatable, CaseIterable {
        /// ``BreakerConfiguration/threshold``.
        case threshold
        /// ``BreakerConfiguration/window``.
        case window
        /// ``BreakerConfiguration/openTimeout``.
        case openTimeout
        /// ``BreakerConfiguration/maxBackoff``.
        case maxBackoff
        /// ``BreakerConfiguration/maxOpens``.
        case maxOpens
    }
}
