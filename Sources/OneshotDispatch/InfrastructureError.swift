/// An attempt could not be started for a reason of oneshot's own — no descriptor left
/// (`EMFILE`, `ENFILE`), no process (`EAGAIN`, `ENOMEM`), no disk space for its log (`ENOSPC`) —
/// rather than because of the workstream.
///
/// An ``Executor`` throws it before the workstream's work begins. The dispatcher then does not
/// count the attempt: it is not a failure, the breaker does not see it, it uses none of the
/// workstream's retries; the workstream is tried again after a backoff, and when such failures
/// persist for ``DispatchOptions/checkpointGrace`` the run stops as
/// ``RunReport/Status/infrastructureFailed``. A ``lasting`` one (a log folder that is a file,
/// `EACCES`, no shell) is not waited for: the run stops at once, as the same status.
public struct InfrastructureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What failed, e.g. `open .sdp/logs/F052/a.log: Too many open files`.
    public var message: String

    /// Whether waiting cannot mend it (`ENOTDIR`, `ENXIO`, `EACCES`, `ENOENT`, `EROFS`, …),
    /// unlike a lack of descriptors, processes, memory or disk space: the run then stops at once
    /// instead of retrying for the grace period.
    public var lasting: Bool

    /// Creates the error.
    public init(_ message: String, lasting: Bool = false) {
        self.message = message
        self.lasting = lasting
    }

    /// The message.
    public var description: String { message }
}
