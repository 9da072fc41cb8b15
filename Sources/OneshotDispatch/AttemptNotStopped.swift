/// An attempt was to be stopped (a timeout, a signal, `--deadline`, the breaker giving up) and
/// its executor could not make sure it did: a batch job whose cancellation the scheduler did
/// not confirm (the controller down, `scancel` failing), still running elsewhere.
///
/// The dispatcher reports the attempt as ``AttemptStatus/uncertain`` even in a cancelled run,
/// never as interrupted or timed out: either would let a resume or a retry start a second copy
/// next to the first. The journal keeps it in flight, so the next resume looks for it again
/// (adopts it if it still runs, records its exit status if it left one).
public struct AttemptNotStopped: Error, Sendable, CustomStringConvertible {
    /// The workstream.
    public var id: String
    /// What is known of it, e.g. "Slurm job 449: scancel failed: Unable to contact slurm controller".
    public var detail: String

    /// Creates the error for workstream `id`.
    public init(id: String, detail: String) {
        self.id = id
        self.detail = detail
    }

    /// One line for the report.
    public var description: String {
        "\(id): could not be stopped and may still be running (\(detail)); the next run looks for it again"
    }
}
