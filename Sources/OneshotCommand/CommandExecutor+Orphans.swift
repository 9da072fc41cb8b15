import Foundation
import OneshotCheckpoint
import OneshotDispatch
import OneshotSystem
import OneshotWorkstreams

extension CommandExecutor {
    /// What became of an attempt an earlier run left in flight: its exit status when the shell
    /// left one, else whether its process still runs here (same boot, same start, still leading
    /// its group), else where it ran when that was another host or boot.
    public func probe(_ record: InFlightRecord) -> OrphanFinding {
        if let status = exitStatus(of: record) {
            return .finished(exitCode: status.exitCode, durationMS: status.durationMS)
        }
        let record = located(record)
        if let place = OrphanReaper.elsewhere(record) { return .elsewhere(place) }
        if let pid = OrphanReaper.liveProcess(of: record) { return .running(pid: pid) }
        return .unknown
    }

    /// The exit status `record`'s shell left: its line in the feature's `ExitStatusFile`, else
    /// the `<ws_id>.exit` file the shell of an earlier version of oneshot wrote (a run of that
    /// version may have left the attempt running: a resume across an upgrade still adopts it).
    func exitStatus(of record: InFlightRecord) -> (exitCode: Int32, durationMS: Int?)? {
        if let line = exitStatuses.status(of: record) { return (line.exitCode, nil) }
        guard let file = AttemptExitFile.read(exitFilePath(for: record.id)), file.belongs(to: record) else { return nil }
        return (file.exitCode, file.durationMS(since: record))
    }

    /// `record` with its attempt's process filled in when the run died between the launch and
    /// the record of its process (a kill -9 as attempts start leaves about one in fifteen so):
    /// the attempt's shell is found by the environment it started with — this project's exit
    /// file of the workstream and the attempt's number — leading its own process group, as the
    /// shell of every attempt does. Unchanged when the process is known or no such shell runs.
    ///
    /// A shell still parked (``ParkedShell``: the run died before its release, so it is exiting
    /// without running anything) is not the attempt's (``isParked(_:)``).
    func located(_ record: InFlightRecord) -> InFlightRecord {
        guard record.pid == nil || record.processStart == nil else { return record }
        let exitFile = exitFilePath(for: record.id)
        let attempt = "ONESHOT_ATTEMPT=\(record.attempt)"
        let shells = ProcessInspector.processes(withEnvironmentEntryPrefixed: "ONESHOT_EXIT_FILE=\(exitFile)").filter {
            $0.environment.contains("ONESHOT_EXIT_FILE=\(exitFile)") && $0.environment.contains(attempt)
                && ProcessInspector.processGroup(of: $0.pid) == $0.pid && !Self.isParked($0.pid)
        }
        guard let shell = shells.min(by: { $0.start < $1.start }) else { return record }
        var found = record
        found.pid = shell.pid
        found.processStart = shell.start
        found.bootID = Machine.bootID
        found.host = Machine.hostName
        found.pidNamespace = Machine.pidNamespace
        return found
    }

    /// Whether `pid` is a shell waiting in its parked `read -r t <&4` (``ParkedShell``): the socket
    /// it waits on is its descriptor 4 and, for the read, its standard input too (a shell
    /// redirects a builtin's input by moving the descriptor onto 0). A pipe at 4 alone is not
    /// enough: a released command may hold one there in the shell itself (`{ …; } 4<<EOF`), and
    /// that shell, taken for a parked one, would leave its attempt running untracked while a
    /// resume runs it again. A shell still starting, not yet in its read, is taken for the
    /// attempt's: it then ends without a status, which leaves the outcome unknown, as not
    /// finding it would. A pipe at 4 is what a shell parked by an earlier version of oneshot
    /// waits on.
    static func isParked(_ pid: Int32) -> Bool {
        guard let parking = try? Syscall.symlinkTarget("/proc/\(pid)/fd/4"),
            parking.hasPrefix("socket:") || parking.hasPrefix("pipe:")
        else {
            return false
        }
        return (try? Syscall.symlinkTarget("/proc/\(pid)/fd/0")) == parking
    }

    /// How the CLI deals with an earlier run's attempts: ``probe(_:)``, and termination with
    /// this executor's grace.
    public func orphanHandling(killRunning: Bool) -> OrphanHandling {
        let grace = terminationGrace
        // One pass over /proc for all the attempts a resume sweeps, at the first of them.
        let escaped = EscapedProcesses(logFolder: absoluteLogFolder)
        return OrphanHandling(
            probe: { self.probe($0) },
            terminate: { OrphanReaper.terminate(self.located($0), grace: grace) ?? "nothing left to stop" },
            sweep: { record in
                let record = self.located(record)
                return OrphanReaper.sweep(record) + self.killEscapees(of: record, among: escaped)
            },
            killRunning: killRunning
        )
    }

    /// The attempt `record` of `workstream`, still running since an earlier run, as an attempt
    /// of this run: waiting for it ends with the exit status its shell leaves.
    ///
    /// - Parameter now: the wall clock, for how long it has run already.
    public func adopt(_ record: InFlightRecord, of workstream: Workstream, now: Date = Date()) -> AdoptedAttempt {
        let started = RFC3339.parse(record.startedAt) ?? now
        let milliseconds = max(0, Int64(now.timeIntervalSince(started) * 1000))
        return AdoptedAttempt(id: record.id, attempt: record.attempt, runningFor: .milliseconds(milliseconds)) {
            try await awaitAdopted(record)
        }
    }

    private func awaitAdopted(_ record: InFlightRecord) async throws -> ExecutionResult {
        let record = located(record)
        let log = WorkstreamLog(path: logPath(for: record.id))
        if let pid = record.pid, let start = record.processStart {
            await OrphanWait(pid: pid, start: start, grace: terminationGrace).untilExit()
            OrphanReaper.killStragglers(ofGroup: pid, startedNotBefore: start)
            killEscapees(of: record, among: EscapedProcesses(logFolder: absoluteLogFolder))
        }
        let status = exitStatus(of: record)
        let ended = status.map { "exit \($0.exitCode)" } ?? "without an exit status"
        log.append(
            "\(log.lineBreak(after: 0))=== \(record.id) attempt \(record.attempt) (adopted from an earlier run) ended: \(ended)\n"
        )
        guard let status else {
            if Task.isCancelled { throw CancellationError() }
            throw OutcomeUnknown(id: record.id)
        }
        if status.exitCode == 0 {
            return ExecutionResult(succeeded: true, exitCode: 0, logPath: log.path)
        }
        let tail = log.tail(from: 0, lines: tailLines + 1).dropLast().suffix(tailLines).joined(separator: "\n")
        return ExecutionResult(
            succeeded: false, exitCode: status.exitCode, detail: tail.isEmpty ? nil : tail, logPath: log.path)
    }

    /// SIGKILLs what an earlier run's attempt `record` started outside its process group
    /// (`setsid cmd &`, a daemon) once the attempt's shell has ended: oneshot's subreaper ends
    /// such processes with their attempt, but a killed oneshot leaves them to init. Found in
    /// `escaped` by the environment they inherited — this project's exit file of the workstream
    /// and the attempt's number — and a start no earlier than the attempt's; nothing while the
    /// attempt still runs, and nothing for a record of another boot or host.
    ///
    /// - Returns: how many it killed.
    @discardableResult
    func killEscapees(of record: InFlightRecord, among escaped: EscapedProcesses) -> Int {
        guard OrphanReaper.isThisMachine(record), OrphanReaper.liveProcess(of: record) == nil else { return 0 }
        return escaped.kill(of: record, exitFile: exitFilePath(for: record.id))
    }
}
