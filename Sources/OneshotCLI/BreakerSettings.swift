import OneshotBreaker
import OneshotWorkstreams

/// The circuit breaker's settings as flags, the environment, a checkpoint and `.sdp/config.yml`
/// give them, one at a time and in any order: a threshold may be valid only beside the file's
/// window. ``RunArguments/validate()`` makes them a ``BreakerConfiguration`` once all are merged.
public struct BreakerSettings: Sendable, Equatable {
    /// `--breaker-threshold`, `breaker: threshold:`.
    public var threshold: Int
    /// `--breaker-window`, `breaker: window:`.
    public var window: Int
    /// `--breaker-timeout`, `breaker: timeout:`.
    public var openTimeout: Duration
    /// `--breaker-max-backoff`, `breaker: max_backoff:`.
    public var maxBackoff: Duration
    /// `--breaker-max-opens`, `breaker: max_opens:`.
    public var maxOpens: Int

    /// The defaults of ``BreakerConfiguration``.
    public init() {
        let defaults = BreakerConfiguration()
        threshold = defaults.threshold
        window = defaults.window
        openTimeout = defaults.openTimeout
        maxBackoff = defaults.maxBackoff
        maxOpens = defaults.maxOpens
    }

    /// The configuration these settings make.
    ///
    /// - Throws: ``BreakerConfigurationError`` naming the field at fault.
    func configuration() throws(BreakerConfigurationError) -> BreakerConfiguration {
        try BreakerConfiguration(
            threshold: threshold, window: window, openTimeout: openTimeout, maxBackoff: maxBackoff, maxOpens: maxOpens)
    }

    /// The ``Setting`` key of `field` (`breaker_timeout` for the open timeout).
    static func key(of field: BreakerConfiguration.Field) -> String {
        switch field {
        case .threshold: "breaker_threshold"
        case .window: "breaker_window"
        case .openTimeout: "breaker_timeout"
        case .maxBackoff: "breaker_max_backoff"
        case .maxOpens: "breaker_max_opens"
        }
    }

    /// The value of `field`, as messages and `oneshot config` print it.
    func text(of field: BreakerConfiguration.Field) -> String {
        switch field {
        case .threshold: "\(threshold)"
        case .window: "\(window)"
        case .openTimeout: DurationText.format(openTimeout)
        case .maxBackoff: DurationText.format(maxBackoff)
        case .maxOpens: "\(maxOpens)"
        }
    }
}
