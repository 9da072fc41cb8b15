import Foundation
import Synchronization

/// The submissions of a run whose `sbatch` failed: a failure (a timeout, a controller that went
/// away mid-answer) does not prove the job was not created, so before the attempt is submitted
/// again its job is looked up by name.
final class SubmissionFailures: Sendable {
    private let failures = Mutex<[String: Date]>([:])

    /// Notes that submitting the job `name`, first tried at `since`, failed.
    func note(_ name: String, since: Date) {
        failures.withLock { $0[name] = min($0[name] ?? since, since) }
    }

    /// When the job `name` was first tried, if a submission of it failed and was not resolved.
    func failedSince(_ name: String) -> Date? {
        failures.withLock { $0[name] }
    }

    /// The job `name` is accounted for: found, or known not to exist.
    func resolve(_ name: String) {
        failures.withLock { $0[name] = nil }
    }
}
