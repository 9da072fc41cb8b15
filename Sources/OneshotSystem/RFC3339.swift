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

    /// Written digit by digit: `String(format:)` cost more than the rest of a journal line. The
    /// calendar date is computed from the day count (Howard Hinnant's `civil_from_days`), not
    /// by `gmtime_r`, which takes glibc's time-zone lock on every call.
    private static func digits(_ date: Date, milliseconds: Bool) -> [UInt8] {
        // Both parts from one count of microseconds (rounded, as `Date` stores a `Double` from
        // 2001), truncated to milliseconds, so that they cannot disagree.
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let totalMilliseconds = microseconds >= 0 ? microseconds / 1000 : (microseconds - 999) / 1000
        let (whole, fraction) = totalMilliseconds.quotientAndRemainder(dividingBy: 1000)
        let seconds = fraction < 0 ? whole - 1 : whole
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(24)
        func append(_ value: Int64, width: Int) {
            var divisor: Int64 = 1
            for _ in 1..<width { divisor *= 10 }
            var rest = value
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        append(year, width: 4)
        bytes.append(UInt8(ascii: "-"))
        append(month, width: 2)
        bytes.append(UInt8(ascii: "-"))
        append(day, width: 2)
        bytes.append(UInt8(ascii: "T"))
        append(secondOfDay / 3600, width: 2)
        bytes.append(UInt8(ascii: ":"))
        append(secondOfDay / 60 % 60, width: 2)
        bytes.append(UInt8(ascii: ":"))
        append(secondOfDay % 60, width: 2)
        if milliseconds {
            bytes.append(UInt8(ascii: "."))
            append(fraction < 0 ? fraction + 1000 : fraction, width: 3)
        }
        bytes.append(UInt8(ascii: "Z"))
        return bytes
    }

    /// The proleptic Gregorian year, month (1–12) and day (1–31) `days` days after 1970-01-01.
    private static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468  // days since 0000-03-01
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Parses an RFC 3339 time with or without fractional seconds, `Z` or an offset:
    /// `2026-02-07T12:34:56Z`, `2026-02-07T12:34:56.789+01:00`. `nil` when `text` is not one, or
    /// names no real day (`2026-02-30`). A leap second (`:60`) reads as the next second.
    ///
    /// Read character by character, symmetric to ``format(_:)``: an `ISO8601DateFormatter` per
    /// call cost more than the rest of loading a journal line.
    public static func parse(_ text: String) -> Date? {
        var reader = Reader(bytes: Array(text.utf8))
        guard let year = reader.number(4), reader.skip("-"), let month = reader.number(2), reader.skip("-"),
            let day = reader.number(2), reader.skip("T") || reader.skip("t") || reader.skip(" "),
            let hour = reader.number(2), reader.skip(":"), let minute = reader.number(2), reader.skip(":"),
            let second = reader.number(2), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60,
            second <= 60
        else { return nil }
        guard let fraction = reader.fraction(), let offset = reader.offset(), reader.atEnd else { return nil }
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(month - 1)
        parts.tm_mday = Int32(day)
        parts.tm_hour = Int32(hour)
        parts.tm_min = Int32(minute)
        parts.tm_sec = Int32(min(second, 59))
        let seconds = timegm(&parts)
        // timegm normalises 30 February to 2 March: such a day is not a date.
        guard parts.tm_mday == Int32(day), parts.tm_mon == Int32(month - 1) else { return nil }
        let whole = Double(Int(seconds) + (second == 60 ? 1 : 0) - offset)
        // Whole seconds and the fraction's digits as one count, divided once: `…56.789Z` is
        // exactly `Date(timeIntervalSince1970: 1_770_467_696_789 / 1000)`, as it was written.
        let scale = (0..<fraction.digits).reduce(1.0) { product, _ in product * 10 }
        return Date(timeIntervalSince1970: (whole * scale + Double(fraction.value)) / scale)
    }

    /// A cursor over the bytes of a time being parsed.
    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index == bytes.count }

        /// `width` decimal digits, or `nil`.
        mutating func number(_ width: Int) -> Int? {
            guard index + width <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[index..<index + width] {
                guard byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            index += width
            return value
        }

        /// Whether the next byte is `character`, which is then passed.
        mutating func skip(_ character: Unicode.Scalar) -> Bool {
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
            index += 1
            return true
        }

        /// The digits of `.123…` (up to nanoseconds; more are read and dropped) and how many
        /// were kept; `(0, 0)` when there is no fraction, `nil` for a `.` without a digit.
        mutating func fraction() -> (value: Int, digits: Int)? {
            guard skip(".") else { return (0, 0) }
            var value = 0
            var digits = 0
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0") && bytes[index] <= UInt8(ascii: "9") {
                if digits < 9 {
                    value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                    digits += 1
                }
                index += 1
            }
            return digits > 0 ? (value, digits) : nil
        }

        /// `Z` (0) or `±HH:MM` as seconds east of UTC; `nil` when neither.
        mutating func offset() -> Int? {
            if skip("Z") || skip("z") { return 0 }
            let sign: Int
            if skip("+") {
                sign = 1
            } else if skip("-") {
                sign = -1
            } else {
                return nil
            }
            guard let hours = number(2), skip(":"), let minutes = number(2), hours < 24, minutes < 60 else { return nil }
            return sign * (hours * 3600 + minutes * 60)
        }
    }
}
