import Foundation
import Oneshot
import OneshotWorkstreams

/// Where a run's attempts run: here as processes (`local`, the default) or as Slurm jobs.
public struct ExecutorSettings: Sendable, Equatable {
    /// The executors the CLI ships.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// A process per attempt on this machine.
        case local
        /// A Slurm job per attempt, submitted with `sbatch`.
        case slurm
    }

    /// `--executor local|slurm`.
    public var kind = Kind.local
    /// `--poll-interval`: time between two `squeue` for all jobs of the run.
    public var pollInterval: Duration = .seconds(5)
    /// `--slurm-partition` / `slurm: partition:`.
    public var slurmPartition: String?
    /// `--slurm-args` / `slurm: args: [...]`: extra `sbatch` arguments for every job.
    public var slurmArguments: [String] = []

    /// Creates the defaults.
    public init() {}

    /// `[--time=10, "--qos=low"]` (a YAML flow list, read as the workstream files' are) or
    /// `--time=10 --qos=low` as arguments.
    ///
    /// - Throws: ``UsageError`` naming `source` for a flow list that cannot be read.
    static func arguments(_ text: String, source: String) throws(UsageError) -> [String] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("[") else { return trimmed.split(separator: " ").map(String.init) }
        do {
            return try YAMLScalar.flowList(trimmed, at: SourceLocation(file: source))
        } catch {
            throw UsageError("\(source): \(error.message)")
        }
    }
}

extension Setting {
    /// `--executor local|slurm`.
    static let executorKind = Setting(key: "executor", flag: "--executor", summary: "where attempts run: local or slurm") {
        run, value, source throws(UsageError) in
        guard let kind = ExecutorSettings.Kind(rawValue: value) else {
            throw UsageError(.invalidValue(source: source, value: value, expected: "local or slurm"))
        }
        run.executor.kind = kind
    } show: {
        $0.executor.kind.rawValue
    }

    /// `--poll-interval`.
    static let pollInterval = Setting(
        key: "poll_interval", flag: "--poll-interval", summary: "time between two looks at remote jobs"
    ) { run, value, source throws(UsageError) in
        guard let interval = DurationText.parse(value), interval > .zero else {
            throw UsageError(.invalidValue(source: source, value: value, expected: "a duration such as 500ms, 5s or 1m"))
        }
        run.executor.pollInterval = interval
    } show: {
        DurationText.format($0.executor.pollInterval)
    }

    /// `--slurm-partition`, `slurm:` / `partition:` in `.sdp/config.yml`.
    static let slurmPartition = Setting(
        key: "slurm_partition", flag: "--slurm-partition", summary: "Slurm partition of every job"
    ) { run, value, _ in
        run.executor.slurmPartition = value
    } show: {
        $0.executor.slurmPartition ?? "(default)"
    }

    /// `--slurm-args`, `slurm:` / `args: [...]` in `.sdp/config.yml`.
    static let slurmArguments = Setting(
        key: "slurm_args", flag: "--slurm-args", summary: "extra sbatch arguments of every job"
    ) { run, value, source throws(UsageError) in
        let arguments = try ExecutorSettings.arguments(value, source: source)
        if let problem = arguments.lazy.compactMap(SlurmScheduler.problem(with:)).first {
            throw UsageError("\(source): \(problem)")
        }
        run.executor.slurmArguments = arguments
    } show: {
        $0.executor.slurmArguments.isEmpty ? "(none)" : $0.executor.slurmArguments.joined(separator: " ")
    }
}

extension ExecutorSettings {
    /// The refused `slurm_args:` of `workstreams`, each naming its file, when jobs go to Slurm.
    func problems(in workstreams: [Workstream]) -> [InputError] {
        guard kind == .slurm else { return [] }
        return workstreams.compactMap { workstream in
            workstream.schedulerArguments.lazy.compactMap(SlurmScheduler.problem(with:)).first.map {
                InputError("workstream \(workstream.id): slurm_args: \($0)", at: workstream.source)
            }
        }
    }

    /// The executor these settings ask for, running `local`'s commands, environment and logs.
    func make(_ local: CommandExecutor) -> any AttemptExecutor {
        switch kind {
        case .local:
            return local
        case .slurm:
            let scheduler = SlurmScheduler(
                environment: local.environment, partition: slurmPartition, arguments: slurmArguments)
            return RemoteExecutor(
                base: local, scheduler: scheduler, pollInterval: pollInterval, extraArguments: { $0.schedulerArguments })
        }
    }
}
