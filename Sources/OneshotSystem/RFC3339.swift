import Foundation

/// RFC 3339 UTC times, as the checkpoint writes them.
public enum RFC3339 {
    /// Formats `date` to the second: `2026-02-07T12:34:56Z`.
    public static func format(_ date: Date) -> String {
        String(decoding: digits(date, milliseconds: false), as: UTF8.self)
    }

    /// Formats `date` with milliseconds: `2026-02-07T12:34:56.789Z`.
    public static func formatMilliseconds(_ date: Date) -> String {
        String(decoding: digits(date, milliseconds: true), as: UTF8.self)
    }

    /// Written digit by digit: `String(format:)` cost more than the rest of a journal line.
    private static func digits(_ date: Date, milliseconds: Bool) -> [UInt8] {
        // Both parts from one count of microseconds (rounded, as `Date` stores a `Double` from
        // 2001), truncated to milliseconds, so that they cannot disagree.
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let totalMilliseconds = microseconds >= 0 ? microseconds / 1000 : (microseconds - 999) / 1000
        let (whole, fraction) = totalMilliseconds.quotientAndRemainder(dividingBy: 1000)
        var time = time_t(fraction < 0 ? whole - 1 : whole)
        var parts = tm()
        gmtime_r(&time, &parts)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func append(_ value: Int32, width: Int) {
            var divisor: Int32 = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        append(parts.tm_year + 1900, width: 4)
        bytes.append(UInt8(ascii: "-"))
        append(parts.tm_mon + 1, width: 2)
        bytes.append(UInt8(ascii: "-"))
        append(parts.tm_mday, width: 2)
        bytes.append(UInt8(ascii: "T"))
        append(parts.tm_hour, width: 2)
        bytes.append(UInt8(ascii: ":"))
        append(parts.tm_min, width: 2)
        bytes.append(UInt8(ascii: ":"))
        append(parts.tm_sec, width: 2)
        if milliseconds {
            bytes.append(UInt8(ascii: "."))
            append(Int32(fraction < 0 ? fraction + 1000 : fraction), width: 3)
        }
        bytes.append(UInt8(ascii: "Z"))
        return bytes
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
