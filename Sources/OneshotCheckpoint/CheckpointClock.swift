import Foundation

/// Where the checkpoint reads the time: the wall clock stamps what it writes, a monotonic clock
/// measures how long the run took, so that a wall-clock step (NTP, a suspended laptop, a
/// hand-set clock) never writes a negative or absurd duration. Tests inject both.
struct CheckpointClock: Sendable {
    /// The time to stamp.
    var wall: @Sendable () -> Date = { Date() }
    /// The time to measure with.
    var monotonic: @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
}
