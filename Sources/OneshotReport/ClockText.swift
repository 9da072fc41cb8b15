import Foundation

/// Times as the report prints them.
enum ClockText {
    /// `850ms`, `4.2s`, `1m30s`, `2h05m`.
    static func duration(_ milliseconds: Int64) -> String {
        let ms = max(0, milliseconds)
        if ms < 1000 { return "\(ms)ms" }
        if ms < 60_000 { return String(format: "%.1fs", Double(ms) / 1000) }
        let seconds = ms / 1000
        if seconds < 3600 { return "\(seconds / 60)m\(String(format: "%02d", seconds % 60))s" }
        return "\(seconds / 3600)h\(String(format: "%02d", seconds / 60 % 60))m"
    }

    /// `23:01:07` (UTC) of a time in ms since the epoch.
    static func time(_ milliseconds: Int64) -> String {
        let seconds = (milliseconds / 1000) % 86_400
        return String(format: "%02d:%02d:%02dZ", seconds / 3600, seconds / 60 % 60, seconds % 60)
    }
}
