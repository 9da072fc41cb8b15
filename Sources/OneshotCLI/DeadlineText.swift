import Foundation
import Oneshot
import OneshotSystem

/// The lines that say why a run stopped at its deadline and what it leaves to a resume.
enum DeadlineText {
    /// `stopped at the deadline (…); run the same command to resume: 9/14 done; left: …`, with
    /// the workstreams not started because their known durations would not fit.
    static func stopped(_ report: RunReport, deadline: Date?, knownDurations: [String: Double]) -> String {
        let done = report.count(.succeeded) + report.count(.alreadyDone)
        let left = report.results.filter { $0.state != .succeeded && $0.state != .alreadyDone }.map(\.id)
        let when = deadline.map { " (\(RFC3339.format($0)))" } ?? ""
        var line =
            "stopped at the deadline\(when); run the same command to resume: \(done)/\(report.results.count) done; left: \(list(left))"
        if !report.setAside.isEmpty {
            let named = report.setAside.map { id in
                knownDurations[id].map { "\(id) (~\(DurationText.format(.milliseconds(Int64($0 * 1000)))))" } ?? id
            }
            line += "; not started because they would not have finished in time: \(list(named))"
        }
        return line
    }

    /// At most ten names, then how many more.
    private static func list(_ names: [String]) -> String {
        guard names.count > 10 else { return names.joined(separator: ", ") }
        return names.prefix(10).joined(separator: ", ") + " and \(names.count - 10) more"
    }
}
