/// The ranges of the numbers a checkpoint holds. The loader clamps a number outside them (with
/// a warning) instead of discarding the file, and the writer saturates at them, so whatever
/// oneshot writes, it loads again.
enum CheckpointLimits {
    /// Attempts, runs, the breaker's counts.
    static let count = 0...1_000_000
    /// In-flight attempt numbers.
    static let attempt = 1...1_000_000
    /// Durations, in milliseconds: ten years.
    static let durationMS = 0...315_360_000_000
    /// Costs, in US dollars, one workstream's or the total.
    static let costUSD = 0.0...1e9

    /// `value` saturated into `range`.
    static func clamp<Value: Comparable>(_ value: Value, _ range: ClosedRange<Value>) -> Value {
        min(max(value, range.lowerBound), range.upperBound)
    }

    /// `a + b`, saturated at `Int`'s bounds instead of trapping (a journal line may hold anything).
    static func add(_ a: Int, _ b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : sum
    }
}
