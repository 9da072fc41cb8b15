import Foundation
import OneshotSystem
import OneshotWorkstreams

/// When a run must stop (`--deadline`, `deadline:`, `ONESHOT_DEADLINE`): a duration from the
/// run's start, or a time.
public enum RunDeadline: Sendable, Equatable, CustomStringConvertible {
    /// This long after the run starts: `50m`.
    case after(Duration)
    /// At this time: `2026-11-29T18:00:00Z`.
    case at(Date)

    /// Parses `text` as a duration (`50m`, `1h30m`) or an RFC 3339 time; `nil` for anything else.
    public init?(parsing text: String) {
        if let duration = DurationText.parse(text) {
            self = .after(duration)
        } else if let date = RFC3339.parse(text) {
            self = .at(date)
        } else {
            return nil
        }
    }

    /// The time it names, for a run that started at `start`.
    public func date(from start: Date) -> Date {
        switch self {
        case .after(let duration): start.addingTimeInterval(Double(duration.wholeMilliseconds) / 1000)
        case .at(let date): date
        }
    }

    /// As it is written: `50m`, or the time in RFC 3339.
    public var description: String {
        switch self {
        case .after(let duration): DurationText.format(duration)
        case .at(let date): RFC3339.format(date)
        }
    }
}
