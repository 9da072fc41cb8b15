import OneshotWorkstreams

/// Delay before retrying a failed attempt: exponential, capped, with jitter.
public struct BackoffPolicy: Sendable, Equatable {
    /// Delay after the first failure, before jitter.
    public var base: Duration
    /// The longest delay.
    public var maximum: Duration
    /// Whether to randomise each delay within its upper half, so retries of many workstreams
    /// do not land together.
    public var jitter: Bool

    /// Creates a policy.
    public init(base: Duration = .seconds(1), maximum: Duration = .seconds(60), jitter: Bool = true) {
        self.base = base
        self.maximum = maximum
        self.jitter = jitter
    }

    /// No delay at all (tests, in-process harnesses).
    public static let immediate = BackoffPolicy(base: .zero, maximum: .zero, jitter: false)

    /// The delay after failed attempt number `attempt` (1-based): `base × 2^(attempt−1)`, capped
    /// at ``maximum`` without overflow for any `attempt`; with jitter, uniform in its upper half.
    public func delay<R: RandomNumberGenerator>(afterAttempt attempt: Int, using random: inout R) -> Duration {
        let exponent = attempt <= 1 ? 0 : min(attempt - 1, 62)
        let full = min(seconds(base) * Double(UInt64(1) << UInt64(exponent)), seconds(maximum))
        guard jitter, full > 0 else { return .milliseconds(Int64(full * 1000)) }
        let jittered = full / 2 + Double.random(in: 0...(full / 2), using: &random)
        return .milliseconds(Int64(jittered * 1000))
    }

    private func seconds(_ duration: Duration) -> Double {
        duration.inSeconds
    }
}

/// A small, seedable generator (SplitMix64) so that jitter is reproducible in tests.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator from `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
