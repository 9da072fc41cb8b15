import Foundation
import OneshotSystem

/// A short command of a batch system's client (`sbatch`, `squeue`, `scancel`): run to its end,
/// its output and error captured together.
///
/// It runs to its end even when the task that asked for it is cancelled: cancelling an attempt
/// must still deliver its `scancel`. The output goes to a file, not a pipe, so that a large
/// `squeue` answer cannot block the command.
public struct SchedulerCommand: Sendable {
    /// What a command did.
    public struct Result: Sendable, Equatable {
        /// The exit status, `127` when it could not be started.
        public var exitCode: Int32
        /// Its standard output and error, at most 4 MiB.
        public var output: String

        /// Creates a result.
        public init(exitCode: Int32, output: String) {
            self.exitCode = exitCode
            self.output = output
        }

        /// Whether it exited with 0.
        public var succeeded: Bool { exitCode == 0 }

        /// The output's first non-empty line, or the exit code: for one-line errors.
        public var firstLine: String {
            output.split(separator: "\n").first.map(String.init) ?? "exit \(exitCode)"
        }
    }

    /// The program's name (looked up in `PATH`) or absolute path.
    public var program: String
    /// Its arguments, without `argv[0]`.
    public var arguments: [String]

    /// Creates a command.
    public init(_ program: String, _ arguments: [String]) {
        self.program = program
        self.arguments = arguments
    }

    /// Runs the command with `environment`, blocking the calling thread until it exits.
    public func runBlocking(environment: [String: String]) -> Result {
        runBlocking(environmentEntries: environment.map { Array("\($0.key)=\($0.value)".utf8) })
    }

    /// Runs the command with the environment `entries` (`KEY=VALUE` each, passed byte for byte),
    /// blocking the calling thread until it exits.
    public func runBlocking(environmentEntries entries: [[UInt8]]) -> Result {
        guard let executable = Self.locate(program, path: Self.path(in: entries)) else {
            return Result(exitCode: 127, output: "\(program): not found in PATH")
        }
        let capture = NSTemporaryDirectory() + "oneshot-\(program)-\(Syscall.processID)-\(UUID().uuidString)"
        let fd: Int32
        do {
            fd = try Syscall.open(capture, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o600)
        } catch {
            return Result(exitCode: 127, output: "\(program): cannot capture its output: \(error)")
        }
        defer {
            Syscall.close(fd)
            try? Syscall.removeIfPresent(capture)
        }
        let status: ExitStatus
        do {
            let child = try ChildProcess.spawn(
                executable: executable, arguments: [program] + arguments, environment: PreparedEnvironment(bytes: entries),
                adding: [], outputFD: fd)
            status = child.waitUntilExit()
        } catch {
            return Result(exitCode: 127, output: "\(program): \(error)")
        }
        let bytes = Syscall.readSmallFile(capture, limit: 4 << 20) ?? []
        return Result(exitCode: status.shellCode, output: String(decoding: bytes, as: UTF8.self))
    }

    /// Runs the command off the cooperative pool; the calling task's cancellation does not stop it.
    public func run(environment: [String: String]) async -> Result {
        await run(environmentEntries: environment.map { Array("\($0.key)=\($0.value)".utf8) })
    }

    /// ``runBlocking(environmentEntries:)`` off the cooperative pool; the calling task's
    /// cancellation does not stop it.
    public func run(environmentEntries entries: [[UInt8]]) async -> Result {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: runBlocking(environmentEntries: entries))
            }
        }
    }

    /// The value of the last `PATH=` of `entries`, where the command is looked up.
    private static func path(in entries: [[UInt8]]) -> String? {
        let key = Array("PATH=".utf8)
        return entries.last { $0.starts(with: key) }.map { String(decoding: $0.dropFirst(key.count), as: UTF8.self) }
    }

    /// The first executable `name` in `path`, or `name` itself when it is a path.
    static func locate(_ name: String, path: String?) -> String? {
        if name.contains("/") { return name }
        let folders = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        return folders.map { "\($0)/\(name)" }.first(where: Syscall.isExecutable)
    }
}
