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
    /// The environment of the job, `KEY=VALUE` entries as bytes in order: oneshot's byte for
    /// byte (a value that is not UTF-8, a key given twice, as the local commands get them) plus
    /// the attempt's `ONESHOT_*` variables. `sbatch` is started with it and exports it all.
    public var environmentEntries: [[UInt8]]
    /// Extra scheduler arguments (`.sdp/config.yml`'s `slurm: args:`, a workstream's `slurm_args:`).
    public var extraArguments: [String]

    /// Creates a submission.
    public init(
        name: String, scriptPath: String, workingDirectory: String, logPath: String, environmentEntries: [[UInt8]],
        extraArguments: [String] = []
    ) {
        self.name = name
        self.scriptPath = scriptPath
        self.workingDirectory = workingDirectory
        self.logPath = logPath
        self.environmentEntries = environmentEntries
        self.extraArguments = extraArguments
    }

    /// ``environmentEntries`` as text to look values up by name (bytes that are not UTF-8 shown
    /// as U+FFFD; of a key given twice, the last value).
    public var environment: [String: String] {
        var values: [String: String] = [:]
        for entry in environmentEntries {
            guard let equals = entry.firstIndex(of: UInt8(ascii: "=")) else { continue }
            values[String(decoding: entry[..<equals], as: UTF8.self)] = String(
                decoding: entry[(equals + 1)...], as: UTF8.self)
        }
        return values
    }
}
