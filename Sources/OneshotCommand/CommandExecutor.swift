import Foundation
import OneshotDispatch
import OneshotSystem
import OneshotWorkstreams

/// The CLI's executor: runs a workstream's shell command with `/bin/sh -c`, in a process group
/// of its own, its output appended to `.sdp/logs/<feature>/<ws_id>.log`.
///
/// The command is the file's `run:`, else the `--exec` template. The child's environment is
/// oneshot's plus `ONESHOT_WS_ID`, `ONESHOT_FEATURE_ID`, `ONESHOT_WS_FILE`, `ONESHOT_ATTEMPT` and
/// `ONESHOT_REPORT` (the two paths absolute).
///
/// The shell appends the attempt's exit status to the feature's `exits` file beside the logs as
/// it exits (an `EXIT` trap writing to a descriptor it inherited: no extra process, no file per
/// attempt): when oneshot dies while the command runs, the next run reads the command's real
/// outcome there, as Nextflow's `.exitcode` (see `probe(_:)` and `ExitStatusFile`).
/// Cancellation (a timeout, an interrupted run) sends SIGTERM to the group, SIGKILL after the
/// grace period, and kills whatever is left of the group: no orphans. When oneshot is a
/// `Subreaper`, what the command started outside its group (`setsid cmd &`, a double fork) and
/// that was re-parented to oneshot is terminated as the attempt ends.
public struct CommandExecutor: Sendable {
    /// The feature being run.
    public var featureID: String
    /// Used for workstreams without `run:`.
    public var template: CommandTemplate?
    /// Folder of the log files, e.g. `.sdp/logs/F052`.
    public var logFolder: String
    /// Time between SIGTERM and SIGKILL when an attempt is stopped.
    public var terminationGrace: Duration
    /// Lines of output a failed attempt's result carries.
    public var tailLines: Int
    /// The environment the children start from. Unless the caller gives one, the children get
    /// this process's own environment byte for byte (a value that is not UTF-8 shows U+FFFD
    /// here, not in theirs); setting it replaces that with these strings.
    public var environment: [String: String] {
        didSet { inherited = PreparedEnvironment(Self.entries(environment)) }
    }
    /// `environment` as `KEY=VALUE` entries, without the variables set per attempt: built (and
    /// made into C strings) once, not for every child.
    var inherited: PreparedEnvironment
    /// `logFolder` as an absolute path, for what the shell writes after a `cd`.
    let absoluteLogFolder: String
    /// The current folder when the executor was made: relative paths handed to commands are
    /// made absolute from it, without asking the kernel again for every attempt.
    let workingFolder: String
    /// Where the attempts' shells leave their exit statuses.
    let exitStatuses: ExitStatusFile
    /// The launches prepared ahead (see ``prepare(_:attempt:)``), shared by every copy.
    let preparedLogs = PreparedLogs()
    /// Whether ``prepare(_:attempt:)`` also starts the attempt's shell, parked until the launch
    /// (`ParkedShell`): the launch then costs a send on a socket instead of a shell's start-up.
    /// The send never raises `SIGPIPE`, whatever this process does with that signal: a shell
    /// killed while parked fails its release, and the launch spawns a shell of its own.
    public var parksShells = false
    /// Called with the workstream id, the attempt and the child right after the spawn, so
    /// the checkpoint can record which process runs it.
    public var onSpawn: (@Sendable (_ id: String, _ attempt: Int, _ child: ChildProcess) -> Void)?

    /// Creates an executor.
    public init(
        featureID: String,
        template: CommandTemplate? = nil,
        logFolder: String,
        terminationGrace: Duration = .seconds(5),
        tailLines: Int = 10,
        environment: [String: String]? = nil,
        onSpawn: (@Sendable (_ id: String, _ attempt: Int, _ child: ChildProcess) -> Void)? = nil
    ) {
        self.featureID = featureID
        self.template = template
        self.logFolder = logFolder
        workingFolder = FileManager.default.currentDirectoryPath
        absoluteLogFolder = Self.absolute(logFolder, from: workingFolder)
        exitStatuses = ExitStatusFile(folder: absoluteLogFolder)
        self.terminationGrace = terminationGrace
        self.tailLines = tailLines
        self.environment = environment ?? ProcessInfo.processInfo.environment
        self.onSpawn = onSpawn
        inherited = environment.map { PreparedEnvironment(Self.entries($0)) } ?? Self.inheritedAsBytes()
    }

    private static let perAttempt: Set<String> = [
        "ONESHOT_WS_ID", "ONESHOT_FEATURE_ID", "ONESHOT_WS_FILE", "ONESHOT_ATTEMPT", "ONESHOT_REPORT", "ONESHOT_EXIT_FILE",
        "ONESHOT_VERIFY",
    ]

    /// Set before the command of `id`'s attempt `attempt`, launched at `token`
    /// (``ExitStatusLine/token(launchedAt:)``): the shell appends its ``ExitStatusLine`` to its
    /// descriptor 3, the feature's `ExitStatusFile`, as it exits, whatever the command does,
    /// unless it is killed by a signal (a command that could replace or re-trap it runs in a
    /// subshell: ``ExitTrapLine``). The attempt, the token and the id are written into the line,
    /// not taken from variables a command could change.
    static func exitTrap(id: String, attempt: Int, token: Int64) -> String {
        let action = "printf '\\n\(attempt) \(token) %s %s %s \(token)\\n' $$ $? \(ShellWord.quoted(id)) >&3"
        return "trap \(ShellWord.quoted(action)) EXIT\n"
    }

    /// The trap of a remote job's script: the shell writes `<its pid> <exit status> <attempt>`
    /// to the attempt's own exit file (``AttemptExitFile``) as it exits. A job runs on another
    /// machine, where no descriptor of oneshot's can be inherited.
    static let exitFileTrap = "trap 'echo \"$$ $? $ONESHOT_ATTEMPT\" > \"$ONESHOT_EXIT_FILE\"' EXIT\n"

    /// The `<ws_id>.exit` path that names `id`'s attempts: every process an attempt starts
    /// carries it in `ONESHOT_EXIT_FILE`, which is how a resume finds them. The shell no longer
    /// writes there (see `ExitStatusFile`); a shell of an earlier version of oneshot did, and
    /// that file is still read.
    public func exitFilePath(for id: String) -> String {
        "\(absoluteLogFolder)/\(id).exit"
    }

    private static func entries(_ environment: [String: String]) -> [String] {
        environment.compactMap { perAttempt.contains($0.key) ? nil : "\($0.key)=\($0.value)" }
    }

    /// This process's environment as its bytes (`environ`), without the variables set per
    /// attempt: what the children get unless the caller gives an environment.
    private static func inheritedAsBytes() -> PreparedEnvironment {
        let perAttemptKeys = Set(perAttempt.map { Array($0.utf8) })
        return PreparedEnvironment(
            bytes: Syscall.environmentEntries.filter { entry in
                !perAttemptKeys.contains(Array(entry.prefix { $0 != UInt8(ascii: "=") }))
            })
    }

    /// Errors that pass with time: oneshot's own resources (descriptors, processes, memory, disk
    /// space), and `ETXTBSY`, a `/bin/sh` being written (an upgrade copying it in place) that
    /// runs again once the writer closes it. Not the command's doing.
    private static let resourceErrors: Set<Int32> = [EMFILE, ENFILE, EAGAIN, ENOMEM, ENOSPC, EDQUOT, ETXTBSY]

    /// `error`, which kept oneshot from starting an attempt, as an ``InfrastructureError``: a
    /// lack of oneshot's own resources may pass and is retried; anything else (a log folder
    /// that is a file or a dangling link, `EACCES`, no shell) would fail the same way again and
    /// is ``InfrastructureError/lasting``.
    static func classified(_ error: any Error) -> InfrastructureError {
        guard let error = error as? SystemError else { return InfrastructureError(String(describing: error)) }
        return InfrastructureError(error.description, lasting: !resourceErrors.contains(error.errno))
    }

    /// The command `workstream` would run, or `nil` if it has neither `run:` nor a template.
    public func command(for workstream: Workstream) -> String? {
        workstream.command ?? template?.expand(for: workstream, featureID: featureID)
    }

    /// Workstreams that have no command to run: a run must not start with any.
    public func workstreamsWithoutCommand(_ workstreams: [Workstream]) -> [Workstream] {
        workstreams.filter { !$0.isDeclaredDone && command(for: $0) == nil }
    }

    /// `path` from the current folder: the paths handed to a command must still name the same
    /// files after it `cd`s.
    static func absolute(_ path: String) -> String {
        absolute(path, from: FileManager.default.currentDirectoryPath)
    }

    /// `path` from `folder`.
    static func absolute(_ path: String, from folder: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        return folder.hasSuffix("/") ? folder + path : folder + "/" + path
    }

    /// The path of `id`'s log.
    public func logPath(for id: String) -> String {
        "\(logFolder)/\(id).log"
    }

    /// Runs one attempt. Matches ``Executor``.
    ///
    /// - Throws: ``InfrastructureError`` when oneshot itself cannot start the attempt — its log
    ///   cannot be opened or written, or the child cannot be spawned, for want of descriptors,
    ///   processes, memory or disk space — so that it is not counted as the workstream's failure.
    public func callAsFunction(_ workstream: Workstream, _ attempt: Int) async throws -> ExecutionResult {
        guard let command = command(for: workstream) else {
            return .failure(detail: "no command: the file has no run: and no --exec template was given")
        }
        let log = WorkstreamLog(path: logPath(for: workstream.id))
        let started = Date()
        // The time the log reports is measured on a monotonic clock: a wall-clock step must not
        // make it negative.
        let startedInstant = ContinuousClock.now
        let header = "\n=== \(workstream.id) attempt \(attempt) · \(RFC3339.format(started)) · /bin/sh -c \(command)\n"
        let (fd, offset): (Int32, Int)
        let prepared = await stillNamed(preparedLogs.take(workstream.id), log: log)
        do {
            if let prepared {
                (fd, offset) = try log.begin(through: prepared.fd, header: header)
            } else {
                (fd, offset) = try log.openForAttempt(header: header)
            }
        } catch {
            await prepared?.parked?.cancel(grace: terminationGrace)
            // Whatever keeps oneshot from its own log (no space, no descriptor, a `.sdp/logs`
            // that is a dangling link or a file) is oneshot's, never the workstream's failure.
            throw Self.classified(error)
        }
        let reportPath = "\(logFolder)/\(workstream.id).report.json"
        // A stale report must not be counted twice.
        try? Syscall.removeIfPresent(reportPath)
        // Ties the status line to this attempt's record, written before the launch: an earlier
        // attempt's line, of the same number after `--force` or `--fresh`, was launched before.
        let token = ExitStatusLine.token(launchedAt: started)
        let child: ChildProcess
        if let parked = await released(prepared, attempt: attempt, token: token) {
            child = parked
        } else {
            do {
                child = try spawn(workstream, attempt: attempt, command: command, token: token, output: fd)
            } catch let error as SystemError where error.errno == E2BIG {
                return tooLong(workstream, log: log, error: error)
            }
        }
        onSpawn?(workstream.id, attempt, child)
        let status = await child.wait(terminationGrace: terminationGrace)
        // What the command left running outside its group and that was re-parented to oneshot.
        Subreaper.endEscapees(
            marked: [
                "ONESHOT_FEATURE_ID=\(featureID)", "ONESHOT_WS_ID=\(workstream.id)", "ONESHOT_ATTEMPT=\(attempt)",
            ],
            grace: terminationGrace)
        let seconds = (ContinuousClock.now - startedInstant).inSeconds
        // The same descriptor (O_APPEND) takes the footer: no second open of the log.
        try? Syscall.writeAll(
            fd,
            Array(
                "\(log.lineBreak(writingThrough: fd, after: offset))=== \(workstream.id) attempt \(attempt) ended: \(status) after \(DurationText.twoDecimals(seconds))s\n"
                    .utf8),
            path: log.path
        )
        Syscall.close(fd)
        let path = log.path
        let report = AttemptReportFile.read(at: reportPath, workstream: workstream.id, log: log)
        if status.isSuccess {
            return ExecutionResult(succeeded: true, exitCode: 0, logPath: path, costUSD: report.cost, warning: report.problem)
        }
        var tail = log.tail(from: offset, lines: tailLines + 1).dropLast().suffix(tailLines).joined(separator: "\n")
        if case .stopped = status {
            // The last line shown: why a command that printed nothing wrong failed.
            tail += (tail.isEmpty ? "" : "\n") + status.description
        }
        return ExecutionResult(
            succeeded: false, exitCode: status.shellCode, detail: tail.isEmpty ? nil : tail, logPath: path,
            costUSD: report.cost, warning: report.problem
        )
    }

    /// Spawns the shell of `workstream`'s attempt `attempt`, writing to the log `fd` (closed when
    /// the spawn fails).
    private func spawn(_ workstream: Workstream, attempt: Int, command: String, token: Int64, output fd: Int32)
        throws -> ChildProcess
    {
        let statusFD: Int32
        do {
            statusFD = try exitStatuses.openedDescriptor()
        } catch {
            Syscall.close(fd)
            throw Self.classified(error)
        }
        let trap = Self.exitTrap(id: workstream.id, attempt: attempt, token: token)
        do {
            return try ChildProcess.spawn(
                executable: "/bin/sh", arguments: ["sh", "-c", ExitTrapLine.line(trap: trap, command: command)],
                environment: inherited, adding: perAttemptEnvironment(workstream, attempt: attempt),
                outputFD: fd,
                passedFD: statusFD
            )
        } catch {
            Syscall.close(fd)
            if error.errno == E2BIG { throw error }
            throw Self.classified(error)
        }
    }

    /// The attempt of a command too long to start (`E2BIG`: with its environment, more than the
    /// system takes for one program): the workstream's own failure, like a command that fails,
    /// not oneshot's, so that the rest of the feature runs; the reason goes to its log too.
    private func tooLong(_ workstream: Workstream, log: WorkstreamLog, error: SystemError) -> ExecutionResult {
        let detail = "its command and environment are too long to start: \(error)"
        log.append("=== \(workstream.id): \(detail)\n")
        return ExecutionResult(succeeded: false, detail: detail, logPath: log.path)
    }

    /// The variables set for `workstream`'s attempt `attempt`, on top of ``environment``.
    func perAttemptEnvironment(_ workstream: Workstream, attempt: Int) -> [String] {
        [
            "ONESHOT_WS_ID=\(workstream.id)", "ONESHOT_FEATURE_ID=\(featureID)",
            "ONESHOT_WS_FILE=\(workstream.source.map { Self.absolute($0.file, from: workingFolder) } ?? "")",
            "ONESHOT_ATTEMPT=\(attempt)", "ONESHOT_REPORT=\(absoluteLogFolder)/\(workstream.id).report.json",
            "ONESHOT_EXIT_FILE=\(exitFilePath(for: workstream.id))",
        ]
    }
}
