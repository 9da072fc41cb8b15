import Testing

@testable import OneshotCLI

/// The breaker's messages count trips in words a person writes ("after 1 trips" read badly).
@Suite struct BreakerTextTests {
    @Test func tripsAreCountedInWords() {
        #expect(BreakerText.trips(1) == "1 trip")
        #expect(BreakerText.trips(2) == "2 trips")
        #expect(BreakerText.trips(0) == "0 trips")
    }
}
