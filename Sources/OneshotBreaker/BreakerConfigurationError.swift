/// Values a ``BreakerConfiguration`` cannot be made of: each case names the field at fault and
/// its value, and, for a conflict, the field it conflicts with.
public enum BreakerConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A count below 1 or a negative duration.
    case outOfRange(BreakerConfiguration.Field, value: String)
    /// More failures to trip than workstreams counted: the breaker could never trip.
    case thresholdExceedsWindow(threshold: Int, window: Int)
    /// A longest open period shorter than the first one.
    case maxBackoffShorterThanOpenTimeout(maxBackoff: Duration, openTimeout: Duration)

    /// The field whose value is refused (for a conflict, the one named first).
    public var field: BreakerConfiguration.Field {
        switch self {
        case .outOfRange(let field, _): field
        case .thresholdExceedsWindow: .threshold
        case .maxBackoffShorterThanOpenTimeout: .maxBackoff
        }
    }

    /// `threshold (7) cannot exceed window (5)`.
    public var description: String {
        switch self {
        case .outOfRange(let field, let value):
            "\(field.rawValue) (\(value)) must be at least \(field == .openTimeout || field == .maxBackoff ? "0" : "1")"
        case .thresholdExceedsWindow(let threshold, let window):
            "threshold (\(threshold)) cannot exceed window (\(window))"
        case .maxBackoffShorterThanOpenTimeout(let maxBackoff, let openTimeout):
            "maxBackoff (\(maxBackoff)) cannot be shorter than openTimeout (\(openTimeout))"
        }
    }
}
