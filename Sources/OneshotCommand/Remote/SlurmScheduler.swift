import Foundation
import OneshotSystem

/// Slurm, through its command-line client: `sbatch` to submit, one `squeue` per poll for every
/// job followed, one `scancel` per batch of cancellations.
///
/// Jobs are submitted detached (`sbatch`, never `srun`, whose death takes its job down) and
/// never requeued (`--no-requeue`: a requeued attempt would run twice). `squeue` forgets a
/// finished job after `MinJobAge` and `sacct` needs slurmdbd, so neither decides an outcome:
/// the attempt's exit-status file does. The client finds the cluster as it always does
/// (`SLURM_CONF`, `/etc/slurm`).
public struct SlurmScheduler: JobScheduler {
    /// The environment the client commands run with (`PATH`, `SLURM_CONF`).
    public var environment: [String: String]
    /// `-p PARTITION` for every job, when set (`slurm: partition:` in `.sdp/config.yml`).
    public var partition: String?
    /// Arguments added to every `sbatch` (`slurm: args:` in `.sdp/config.yml`).
    public var arguments: [String]

    /// Creates the scheduler.
    public init(environment: [String: String], partition: String? = nil, arguments: [String] = []) {
        self.environment = environment
        self.partition = partition
        self.arguments = arguments
    }

    /// "Slurm".
    public var name: String { "Slurm" }

    /// The `sbatch` command line for `job`.
    public func sbatch(_ job: JobSubmission) -> SchedulerCommand {
        var arguments = [
            "--parsable", "--no-requeue", "--job-name=\(job.name)", "--chdir=\(job.workingDirectory)",
            "--output=\(job.logPath)", "--open-mode=append", "--export=ALL",
        ]
        if let partition { arguments.append("--partition=\(partition)") }
        arguments += self.arguments + job.extraArguments + [job.scriptPath]
        return SchedulerCommand("sbatch", arguments)
    }

    /// The `sbatch` options oneshot sets itself or that would break its promise: an array or a
    /// requeue runs the attempt more than once; a held job or a dependency may never start; a
    /// name, output, folder or environment of the user's own would hide the job from adoption or
    /// its log from the run.
    static let reservedOptions: [(long: String, short: Character?)] = [
        ("--array", "a"), ("--requeue", nil), ("--no-requeue", nil), ("--dependency", "d"), ("--hold", "H"),
        ("--job-name", "J"), ("--output", "o"), ("--error", "e"), ("--open-mode", nil), ("--chdir", "D"),
        ("--export", nil), ("--parsable", nil), ("--wrap", nil), ("--test-only", nil),
    ]

    /// The variables `sbatch` reads as the options oneshot sets or refuses and that no option of
    /// its command line overrides: `SBATCH_ARRAY_INX=0-2` in the user's environment made every
    /// attempt an array of three jobs (an `idempotent: false` command ran three times),
    /// `SBATCH_ERROR` took the job's errors out of its log, `SBATCH_WAIT` held every submission
    /// until its job ended. Left out of `sbatch`'s environment, so out of the job's too.
    static let reservedVariables: Set<String> = [
        "SBATCH_ARRAY_INX", "SBATCH_ERROR", "SBATCH_INPUT", "SBATCH_WAIT", "SBATCH_REQUEUE", "SBATCH_NO_REQUEUE",
        "SBATCH_JOB_NAME", "SBATCH_OUTPUT", "SBATCH_OPEN_MODE", "SBATCH_EXPORT",
    ]

    /// Whether `entry`, `KEY=VALUE`, sets one of ``reservedVariables``.
    static func isReserved(_ entry: [UInt8]) -> Bool {
        guard entry.starts(with: Array("SBATCH_".utf8)), let equals = entry.firstIndex(of: UInt8(ascii: "=")) else {
            return false
        }
        return reservedVariables.contains(String(decoding: entry[..<equals], as: UTF8.self))
    }

    /// Why `argument`, an extra `sbatch` argument, is refused, or `nil` when oneshot passes it on.
    public static func problem(with argument: String) -> String? {
        let reserved = reservedOptions.first { option in
            if argument == option.long || argument.hasPrefix(option.long + "=") { return true }
            guard let short = option.short, !argument.hasPrefix("--"), argument.hasPrefix("-") else { return false }
            return argument.dropFirst().first == short
        }
        guard let reserved else { return nil }
        return
            "sbatch argument '\(argument.prefix(60))' is not allowed: oneshot submits each attempt as one job it names, logs and never requeues itself (\(reserved.long))"
    }

    /// Submits with `sbatch --parsable`, whose answer is `<id>` or `<id>;<cluster>`.
    public func submit(_ job: JobSubmission) async throws(JobSchedulerError) -> String {
        let result = await sbatch(job).run(environmentEntries: job.environmentEntries.filter { !Self.isReserved($0) })
        let id = result.output.split(separator: "\n").last.map { String($0.split(separator: ";")[0]) } ?? ""
        guard result.succeeded, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw JobSchedulerError("sbatch for \(job.name) failed: \(result.firstLine)")
        }
        return id
    }

    /// `squeue`'s columns: name, id, state, submit time (`%V`).
    static let squeueFormat = "--format=%j %i %T %V"

    /// The `squeue` command line for `names`.
    public static func squeue(_ names: [String]) -> SchedulerCommand {
        SchedulerCommand(
            "squeue", ["--noheader", "--states=all", "--name=\(names.joined(separator: ","))", squeueFormat])
    }

    /// One `squeue` for all of `names`.
    public func states(of names: [String]) async throws(JobSchedulerError) -> [String: JobState] {
        guard !names.isEmpty else { return [:] }
        return try Self.parse(await Self.squeue(names).run(environment: queryEnvironment))
    }

    /// One `squeue --me` for every job of the user, those named `prefix…` kept.
    public func statesBlocking(namesStartingWith prefix: String) throws(JobSchedulerError) -> [String: JobState] {
        try Self.parse(Self.squeueAll.runBlocking(environment: queryEnvironment)).filter { $0.key.hasPrefix(prefix) }
    }

    /// ``statesBlocking(namesStartingWith:)`` as a command awaited, not a thread blocked.
    public func states(namesStartingWith prefix: String) async throws(JobSchedulerError) -> [String: JobState] {
        try Self.parse(await Self.squeueAll.run(environment: queryEnvironment)).filter { $0.key.hasPrefix(prefix) }
    }

    /// One `squeue --me` for every job of the user.
    static let squeueAll = SchedulerCommand("squeue", ["--noheader", "--states=all", "--me", squeueFormat])

    /// ``environment`` with `SLURM_TIME_FORMAT=%s`: `squeue` then gives submit times as seconds
    /// since 1970. Its own format is the client's local time without a zone (what `TZ` says for
    /// `squeue`, not the controller's), and a user's `SLURM_TIME_FORMAT=relative` leaves no date.
    var queryEnvironment: [String: String] {
        environment.merging(["SLURM_TIME_FORMAT": "%s"]) { $1 }
    }

    /// One `scancel` for all of `ids`; Slurm sends SIGTERM, then SIGKILL after its `KillWait`.
    public func cancel(_ ids: [String]) async throws(JobSchedulerError) {
        guard !ids.isEmpty else { return }
        let result = await SchedulerCommand("scancel", ids).run(environment: environment)
        // scancel fails for a job that ended long ago ("Invalid job id"): that is cancelled enough.
        guard result.succeeded || result.output.contains("Invalid job id") else {
            throw JobSchedulerError("scancel \(ids.joined(separator: " ")) failed: \(result.firstLine)")
        }
    }

    /// The states in `squeue`'s answer, `name id STATE [SUBMIT_TIME]` lines: per name, the
    /// newest job, an active one before any that ended. The submit time is read by
    /// ``submitTime(_:)``; a line without one (or with one it cannot read) gives none.
    ///
    /// - Throws: ``JobSchedulerError`` when `squeue` failed.
    public static func parse(_ result: SchedulerCommand.Result) throws(JobSchedulerError) -> [String: JobState] {
        guard result.succeeded else { throw JobSchedulerError("squeue failed: \(result.firstLine)") }
        var states: [String: JobState] = [:]
        for line in result.output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3, let number = Int(fields[1]) else { continue }
            let word = String(fields[2])
            let state = JobState(
                id: String(fields[1]), phase: phase(of: word), detail: word, ending: ending(of: word),
                submitted: fields.count > 3 ? submitTime(fields[3]) : nil)
            if let known = states[String(fields[0])] {
                let knownNumber = Int(known.id) ?? 0
                let newer = (state.isActive && !known.isActive) || (state.isActive == known.isActive && number > knownNumber)
                if !newer { continue }
            }
            states[String(fields[0])] = state
        }
        return states
    }

    /// A submit time as `squeue` prints `%V`: seconds since 1970 (`SLURM_TIME_FORMAT=%s`, as
    /// oneshot asks), or Slurm's standard `2026-11-30T14:20:31`, local time without a zone, read
    /// in this process's time zone. `nil` for anything else (`N/A`, `Unknown`, a relative time).
    public static func submitTime(_ text: Substring) -> Date? {
        if let seconds = Int(text), seconds > 0 { return Date(timeIntervalSince1970: TimeInterval(seconds)) }
        guard let asUTC = RFC3339.parse(text + "Z") else { return nil }
        // The zone's offset at the local time read as UTC, then at the instant that gives.
        let zone = TimeZone.current
        let guess = asUTC.addingTimeInterval(-TimeInterval(zone.secondsFromGMT(for: asUTC)))
        return asUTC.addingTimeInterval(-TimeInterval(zone.secondsFromGMT(for: guess)))
    }

    /// What Slurm's state of an ended job tells of its command: `nil` for `COMPLETED` (the
    /// script's trap ran; its exit status may only be late) and for states oneshot does not know.
    static func ending(of state: String) -> JobState.Ending? {
        switch state {
        case "BOOT_FAIL": .neverStarted
        case "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY", "PREEMPTED", "DEADLINE", "REVOKED": .stopped
        default: nil
        }
    }

    /// Slurm's job states in oneshot's three phases.
    static func phase(of state: String) -> JobState.Phase {
        switch state {
        case "PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SUSPENDED", "STOPPED",
            "SIGNALING", "STAGE_OUT", "RESV_DEL_HOLD", "SPECIAL_EXIT":
            return .pending
        case "RUNNING", "COMPLETING":
            return .running
        default:
            // COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL, PREEMPTED, BOOT_FAIL, DEADLINE,
            // OUT_OF_MEMORY, REVOKED.
            return .ended
        }
    }
}
