import Foundation

/// RFC 3339 UTC times, as the checkpoint writes them.
public enum RFC3339 {
    /// Formats `date` to the second: `2026-02-07T12:34:56Z`.
    public static func format(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ",
            parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec
        )
    }

    /// Formats `date` with milliseconds: `2026-02-07T12:34:56.789Z`.
    public static func formatMilliseconds(_ date: Date) -> String {
        let millis = Int((date.timeIntervalSince1970 * 1000).rounded(.down)) % 1000
        return "\(format(date).dropLast()).\(String(format: "%03d", millis))Z"
    }

    /// Parses an RFC 3339 time with or without fractional seconds, `Z` or an offset.
    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
