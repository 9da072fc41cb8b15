import Foundation
import Oneshot
import OneshotSystem

/// How `run`, `plan` and `status` speak of a feature's ``RunHistory``.
enum HistoryText {
    /// `F052 is up to date: 14 workstreams done (last run 2026-11-29 12:03, 3.5 s, $0.00)`.
    static func upToDate(_ featureID: String, history: RunHistory, total: Int) -> String {
        "\(featureID) is up to date: \(plural(total, "workstream")) done (\(lastRun(history)))"
    }

    /// `last run 2026-11-29 12:03, 3.5 s, $0.00`: when it finished (local time), how long it
    /// took and what it cost.
    static func lastRun(_ history: RunHistory) -> String {
        let when = RFC3339.parse(history.finishedAt).map(localMinute) ?? history.finishedAt
        return "last run \(when), \(seconds(history.elapsedMS)), $\(String(format: "%.2f", history.costUSD))"
    }

    /// What a run with this plan does, for people: what is up to date, what runs again and why.
    static func reasoning(_ featureID: String, plan: HistoryPlan, total: Int) -> [String] {
        var lines = [
            "\(featureID): \(plan.upToDate.count) of \(plural(total, "workstream")) up to date (\(lastRun(plan.history))); running again \(plan.reruns.count):"
        ]
        for rerun in plan.reruns.prefix(20) {
            lines.append("  \(rerun.id): \(rerun.reason)")
        }
        if plan.reruns.count > 20 { lines.append("  and \(plan.reruns.count - 20) more") }
        return lines
    }

    /// `3.5 s` under a minute, `4m12s` beyond.
    static func seconds(_ milliseconds: Int) -> String {
        milliseconds < 60_000
            ? String(format: "%.1f s", Double(milliseconds) / 1000) : DurationText.format(.milliseconds(milliseconds))
    }

    private static func localMinute(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm"
        return formatter.string(from: date)
    }
}
