/// Parses and prints the durations workstream files and flags use: `90s`, `10m`, `1h30m`, `500ms`.
public enum DurationText {
    /// Parses `text`: one or more `<number><unit>` parts with units `ms`, `s`, `m`, `h`, `d`;
    /// a bare number means seconds. Returns `nil` for anything else, zero or a negative value.
    public static func parse(_ text: String) -> Duration? {
        let trimmed = text.trimmingSpaces()
        if let seconds = Double(trimmed) {
            return seconds > 0 && seconds.isFinite && seconds < 1e9 ? .milliseconds(Int64(seconds * 1000)) : nil
        }
        var total: Double = 0
        var rest = Substring(trimmed)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { $0.isASCII && $0.isLetter }
            rest = rest.dropFirst(unit.count)
            let scale: Double
            switch unit {
            case "ms": scale = 0.001
            case "s": scale = 1
            case "m": scale = 60
            case "h": scale = 3600
            case "d": scale = 86_400
            default: return nil
            }
            total += value * scale
        }
        guard total > 0, total < 1e9 else { return nil }
        return .milliseconds(Int64((total * 1000).rounded()))
    }

    /// Prints `duration` briefly for people: `0.31s`, `12.4s`, `4m12s`, `1h05m`.
    public static func format(_ duration: Duration) -> String {
        let seconds = duration.inSeconds
        if seconds < 10 { return String(format2: seconds) + "s" }
        if seconds < 60 { return String(format1: seconds) + "s" }
        let whole = Int(seconds.rounded())
        if whole < 3600 { return "\(whole / 60)m\(twoDigits(whole % 60))s" }
        return "\(whole / 3600)h\(twoDigits(whole % 3600 / 60))m"
    }

    /// `1.5` → `"1.50"`: seconds with two decimals, without `String(format:)` (slower, and
    /// locale-dependent).
    public static func twoDecimals(_ seconds: Double) -> String {
        String(format2: max(0, seconds))
    }

    private static func twoDigits(_ value: Int) -> String {
        value < 10 ? "0\(value)" : "\(value)"
    }
}

extension String {
    /// `3.14159` → `"3.14"`, without Foundation's locale-dependent formatting.
    init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        self = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// `12.44` → `"12.4"`.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(tenths % 10)"
    }

    /// The string without leading and trailing spaces and tabs (a combining mark after a space
    /// is kept on its own). Bytes, not characters, are compared: a space or tab byte is always a
    /// whole scalar, so the cut is at scalar boundaries.
    func trimmingSpaces() -> String {
        let utf8 = self.utf8
        guard let start = utf8.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }),
            let last = utf8.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })
        else { return "" }
        return String(Substring(utf8[start...last]))
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down.
    public var wholeMilliseconds: Int {
        Int(components.seconds) * 1000 + Int(components.attoseconds / 1_000_000_000_000_000)
    }

    /// The duration in seconds.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
