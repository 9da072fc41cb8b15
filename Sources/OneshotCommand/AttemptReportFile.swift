import Foundation
import OneshotSystem

/// The file a command may write at `$ONESHOT_REPORT` to tell oneshot about its attempt, e.g.
/// `{"cost_usd": 0.42}`. The checkpoint adds the costs up across attempts and resumes.
enum AttemptReportFile {
    /// The `cost_usd` of the report at `path`, if the command wrote one. A report that is not a
    /// JSON object with a non-negative number there is noted in the log and ignored.
    static func cost(at path: String, log: WorkstreamLog) -> Double? {
        guard let bytes = Syscall.readSmallFile(path, limit: 1 << 20) else { return nil }
        let data = Data(bytes)
        defer { unlink(path) }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            log.append("=== oneshot: $ONESHOT_REPORT is not a JSON object; ignored\n")
            return nil
        }
        guard let value = object["cost_usd"] else { return nil }
        guard let cost = (value as? NSNumber)?.doubleValue, cost.isFinite, cost >= 0, !(value is Bool) else {
            log.append("=== oneshot: cost_usd in $ONESHOT_REPORT is not a non-negative number; ignored\n")
            return nil
        }
        return cost
    }
}
