import Foundation
import OneshotSystem

/// The file a command may write at `$ONESHOT_REPORT` to tell oneshot about its attempt, e.g.
/// `{"cost_usd": 0.42}`. The checkpoint adds the costs up across attempts and resumes.
enum AttemptReportFile {
    /// What the report gave: a cost, or a problem to warn about (naming the workstream).
    struct Reading: Equatable {
        var cost: Double?
        var problem: String?
    }

    /// The most one attempt may report, in US dollars: well below the checkpoint's bound on
    /// totals (10⁹), so that an absurd report cannot make the checkpoint unloadable.
    static let maximumCostUSD = 1_000_000.0

    /// The `cost_usd` of the report at `path`, if the command wrote one. A report that is not a
    /// JSON object with a number from 0 to ``maximumCostUSD`` there is ignored, with a line in
    /// the log and a problem for the user; it never fails the attempt.
    static func read(at path: String, workstream id: String, log: WorkstreamLog) -> Reading {
        guard let bytes = Syscall.readSmallFile(path, limit: 1 << 20) else { return Reading() }
        defer { try? Syscall.removeIfPresent(path) }
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
            return ignored("$ONESHOT_REPORT is not a JSON object", id: id, log: log)
        }
        guard let value = object["cost_usd"] else { return Reading() }
        guard let number = value as? NSNumber, !(value is Bool) else {
            return ignored("cost_usd in $ONESHOT_REPORT is not a number", id: id, log: log)
        }
        let cost = number.doubleValue
        guard cost.isFinite, (0...maximumCostUSD).contains(cost) else {
            return ignored(
                "cost_usd \(number) in $ONESHOT_REPORT is out of range (0 to \(Int(maximumCostUSD)))", id: id, log: log)
        }
        return Reading(cost: cost)
    }

    private static func ignored(_ problem: String, id: String, log: WorkstreamLog) -> Reading {
        log.append("=== oneshot: \(problem); ignored\n")
        return Reading(problem: "\(id): \(problem); ignored (see \(log.path))")
    }
}
