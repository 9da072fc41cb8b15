import OneshotSystem
import Synchronization

/// The first of a series of writes that failed (a snapshot streamed in chunks from code that
/// cannot throw): the writes after it are not made, and the caller throws it at the end.
final class FirstFailure: Sendable {
    private let first = Mutex<SystemError?>(nil)

    /// The failure, if a write failed.
    var error: SystemError? { first.withLock { $0 } }

    /// Makes `write` unless an earlier one failed; keeps its failure.
    func attempt(_ write: () throws(SystemError) -> Void) {
        guard error == nil else { return }
        do throws(SystemError) {
            try write()
        } catch {
            first.withLock { $0 = error }
        }
    }
}
