/// One attempt as a job to submit.
public struct JobSubmission: Sendable, Equatable {
    /// The job's deterministic name, e.g. `oneshot-F052.1a2b3c-WS-001-1`.
    public var name: String
    /// The path of the job script (a shell script that `cd`s nowhere: the scheduler starts it in
    /// ``workingDirectory``).
    public var scriptPath: String
    /// The absolute folder the job runs in: the project root.
    public var workingDirectory: String
    /// The absolute path the job's output and error are appended to: the workstream's log.
    public var logPath: String
    /// The environment of the job: oneshot's plus the attempt's `ONESHOT_*` variables.
    public var environment: [String: String]
    /// Extra scheduler arguments (`.sdp/config.yml`'s `slurm: args:`, a workstream's `slurm_args:`).
    public var extraArguments: [String]

    /// Creates a submission.
    public init(
        name: String, scriptPath: String, workingDirectory: String, logPath: String, environment: [String: String],
        extraArguments: [String] = []
    ) {
        self.name = name
        self.scriptPath = scriptPath
        self.workingDirectory = workingDirectory
        self.logPath = logPath
        self.environment = environment
        self.extraArguments = extraArguments
    }
}
