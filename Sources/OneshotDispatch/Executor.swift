import OneshotWorkstreams

/// Runs one attempt of one workstream. The dispatcher calls it with the workstream and the
/// attempt number (1 for the first try); it knows nothing of processes.
///
/// Return a failed ``ExecutionResult`` or throw to fail the attempt. Honour cancellation: it
/// means a timeout or an interrupted run, and the attempt should stop promptly.
public typealias Executor = @Sendable (_ workstream: Workstream, _ attempt: Int) async throws -> ExecutionResult

/// What one attempt produced.
public struct ExecutionResult: Sendable, Equatable {
    /// Whether the attempt succeeded.
    public var succeeded: Bool
    /// The process exit code, when there was a process.
    public var exitCode: Int32?
    /// A short explanation, e.g. the last lines of output of a failed command.
    public var detail: String?
    /// Where the attempt's output was written, if anywhere.
    public var logPath: String?
    /// What the attempt cost in US dollars, when known (an agent's API spend). The checkpoint
    /// adds it up across attempts and resumes.
    public var costUSD: Double?
    /// Something the user should know that did not fail the attempt, naming the workstream
    /// (an unusable `$ONESHOT_REPORT`). The CLI prints it as a warning, on its own line.
    public var warning: String?

    /// Creates a result.
    public init(
        succeeded: Bool, exitCode: Int32? = nil, detail: String? = nil, logPath: String? = nil, costUSD: Double? = nil,
        warning: String? = nil
    ) {
        self.succeeded = succeeded
        self.exitCode = exitCode
        self.detail = detail
        self.logPath = logPath
        self.costUSD = costUSD
        self.warning = warning
    }

    /// A successful attempt.
    public static let success = ExecutionResult(succeeded: true)

    /// A failed attempt.
    public static func failure(exitCode: Int32? = nil, detail: String? = nil) -> ExecutionResult {
        ExecutionResult(succeeded: false, exitCode: exitCode, detail: detail)
    }
}
