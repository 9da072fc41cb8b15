import Foundation
import OneshotDispatch
import OneshotSystem
import OneshotWorkstreams

extension CommandExecutor {
    /// Runs `workstream`'s `verify:` command, which says whether the work of an attempt whose
    /// end is unknown was done: as an attempt runs (`/bin/sh -c`, the project root, a process
    /// group and session of its own, the attempt's environment with `ONESHOT_VERIFY=1`), its
    /// output appended to the workstream's log under a header of its own. No exit trap: the
    /// attempt's exit file is the attempt's. Cancelling the calling task terminates the group
    /// (SIGTERM, SIGKILL after the grace).
    ///
    /// - Parameters:
    ///   - workstream: the workstream; its ``Workstream/verify`` is the command.
    ///   - attempt: the attempt being verified (`ONESHOT_ATTEMPT`).
    /// - Returns: success when the command exited 0; else its exit code and last lines. A
    ///   workstream without a `verify:` command fails.
    /// - Throws: ``InfrastructureError`` when the log cannot be written or the command started,
    ///   ``InfrastructureError/lasting`` as an attempt's launch error is (`classified(_:)`).
    public func verify(_ workstream: Workstream, attempt: Int) async throws -> ExecutionResult {
        guard let command = workstream.verify else { return .failure(detail: "no verify: command") }
        let log = WorkstreamLog(path: logPath(for: workstream.id))
        let marks = ["ONESHOT_FEATURE_ID=\(featureID)", "ONESHOT_WS_ID=\(workstream.id)", "ONESHOT_VERIFY=1"]
        let stopped = Self.stopEarlierVerifies(marked: marks)
        let startedInstant = ContinuousClock.now
        let note =
            stopped.isEmpty
            ? ""
            : " · stopped the verify an earlier run left running (pid\(stopped.count > 1 ? "s" : "") \(stopped.map(String.init).joined(separator: ", ")))"
        let header =
            "\n=== \(workstream.id) verify of attempt \(attempt) (its end unknown) · \(RFC3339.format(Date())) · /bin/sh -c \(command)\(note)\n"
        let (fd, offset): (Int32, Int)
        do {
            (fd, offset) = try log.openForAttempt(header: header)
        } catch {
            throw Self.classified(error)
        }
        // The inherited entries as prepared, byte for byte (not `entries`, their text).
        let perVerify = [
            "ONESHOT_WS_ID=\(workstream.id)", "ONESHOT_FEATURE_ID=\(featureID)",
            "ONESHOT_WS_FILE=\(workstream.source.map { Self.absolute($0.file) } ?? "")", "ONESHOT_ATTEMPT=\(attempt)",
            "ONESHOT_VERIFY=1",
        ]
        let child: ChildProcess
        do {
            child = try ChildProcess.spawn(
                executable: "/bin/sh", arguments: ["sh", "-c", command], environment: inherited, adding: perVerify, outputFD: fd)
        } catch {
            Syscall.close(fd)
            throw Self.classified(error)
        }
        let status = await child.wait(terminationGrace: terminationGrace)
        Subreaper.endEscapees(marked: marks, grace: terminationGrace)
        let seconds = (ContinuousClock.now - startedInstant).inSeconds
        try? Syscall.writeAll(
            fd,
            Array(
                "\(log.lineBreak(after: offset))=== \(workstream.id) verify of attempt \(attempt) ended: \(status) after \(DurationText.twoDecimals(seconds))s\n"
                    .utf8),
            path: log.path)
        Syscall.close(fd)
        if status.isSuccess { return ExecutionResult(succeeded: true, exitCode: 0, logPath: log.path) }
        let tail = log.tail(from: offset, lines: tailLines + 1).dropLast().suffix(tailLines).joined(separator: "\n")
        return ExecutionResult(
            succeeded: false, exitCode: status.shellCode, detail: tail.isEmpty ? status.description : tail, logPath: log.path)
    }

    /// Kills what a verify of the same workstream, started by an earlier run of this project that
    /// died meanwhile (kill -9 while verifying), left running: verify processes are not recorded
    /// in the checkpoint, so they are found by the environment they started with and the project
    /// folder they work in. Only one run of a feature holds its lock, so any such process is an
    /// orphan. A verify command only checks: it is killed at once (its whole group).
    ///
    /// - Returns: the pids stopped.
    static func stopEarlierVerifies(marked marks: [String]) -> [Int32] {
        let leftovers = ProcessInspector.processes(holding: marks, workingIn: FileManager.default.currentDirectoryPath)
        for pid in leftovers {
            let group = ProcessInspector.processGroup(of: pid)
            try? Syscall.kill(group == pid && pid != Syscall.processGroupID ? -pid : pid, SIGKILL)
        }
        return leftovers
    }
}
