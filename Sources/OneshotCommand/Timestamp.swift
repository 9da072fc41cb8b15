import Foundation

/// RFC 3339 UTC timestamps, as in the checkpoint and the event stream: `2026-02-07T12:34:56Z`.
public enum Timestamp {
    /// Formats `date` to the second.
    public static func rfc3339(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ",
            parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec
        )
    }

    /// Formats `date` with milliseconds, for the event stream.
    public static func rfc3339Milliseconds(_ date: Date) -> String {
        let seconds = rfc3339(date).dropLast()
        let millis = Int((date.timeIntervalSince1970 * 1000).rounded(.down)) % 1000
        return "\(seconds).\(String(format: "%03d", millis))Z"
    }
}
