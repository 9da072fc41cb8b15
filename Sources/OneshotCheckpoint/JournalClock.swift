import Foundation
import OneshotSystem

/// The times a journal line carries, as text: RFC 3339 with milliseconds (`at`) and to the second
/// (an attempt's `started_at`), formatted once per millisecond or second rather than for every
/// line — a quick run writes dozens of lines a millisecond.
struct JournalClock {
    /// The text of `now` to the millisecond, and that time in milliseconds
    /// (``EpochMilliseconds/ofFormatted(_:)``).
    private(set) var milliseconds: (ms: Int64, text: String) = (.min, "")
    /// The text of `now` to the second, and that second.
    private(set) var seconds: (second: Int64, text: String) = (.min, "")

    /// Brings both texts to `now`.
    mutating func advance(to now: Date) {
        let ms = EpochMilliseconds.ofFormatted(now)
        guard ms != milliseconds.ms else { return }
        milliseconds = (ms, RFC3339.formatMilliseconds(now))
        let second = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        guard second != seconds.second else { return }
        seconds = (second, RFC3339.format(now))
    }
}
