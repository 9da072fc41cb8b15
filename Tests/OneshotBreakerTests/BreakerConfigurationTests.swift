import OneshotBreaker
import Testing

/// A configuration is checked once, when it is made: every bad value is refused with the field
/// and the value, and nothing is clamped.
@Suite struct BreakerConfigurationTests {
    @Test func theDefaultsAreTheDocumentedOnes() throws {
        let defaults = BreakerConfiguration()
        #expect(defaults.threshold == 3 && defaults.window == 5 && defaults.maxOpens == 3)
        #expect(defaults.openTimeout == .seconds(60) && defaults.maxBackoff == .seconds(300))
        #expect(try BreakerConfiguration(threshold: 3) == defaults)
    }

    @Test func validValuesAreKeptAsGiven() throws {
        let configuration = try BreakerConfiguration(
            threshold: 5, window: 5, openTimeout: .zero, maxBackoff: .zero, maxOpens: 1)
        #expect(configuration.threshold == 5 && configuration.window == 5 && configuration.maxOpens == 1)
        #expect(configuration.openTimeout == .zero && configuration.maxBackoff == .zero)
    }

    @Test func badValuesAreRefusedNamingTheFieldAndTheValue() {
        #expect(throws: BreakerConfigurationError.outOfRange(.threshold, value: "0")) {
            try BreakerConfiguration(threshold: 0)
        }
        #expect(throws: BreakerConfigurationError.outOfRange(.window, value: "-1")) {
            try BreakerConfiguration(window: -1)
        }
        #expect(throws: BreakerConfigurationError.outOfRange(.maxOpens, value: "0")) {
            try BreakerConfiguration(maxOpens: 0)
        }
        #expect(throws: BreakerConfigurationError.outOfRange(.openTimeout, value: "\(Duration.seconds(-1))")) {
            try BreakerConfiguration(openTimeout: .seconds(-1))
        }
        #expect(throws: BreakerConfigurationError.thresholdExceedsWindow(threshold: 6, window: 5)) {
            try BreakerConfiguration(threshold: 6)
        }
        #expect(
            throws: BreakerConfigurationError.maxBackoffShorterThanOpenTimeout(
                maxBackoff: .seconds(30), openTimeout: .seconds(60))
        ) { try BreakerConfiguration(maxBackoff: .seconds(30)) }
    }

    @Test func theErrorSaysWhichFieldAndWhy() {
        let error = BreakerConfigurationError.thresholdExceedsWindow(threshold: 6, window: 5)
        #expect(error.field == .threshold)
        #expect(error.description == "threshold (6) cannot exceed window (5)")
        #expect(BreakerConfigurationError.outOfRange(.maxOpens, value: "0").description == "maxOpens (0) must be at least 1")
    }
}
