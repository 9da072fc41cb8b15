import OneshotDispatch
import OneshotSystem
import OneshotWorkstreams

/// Prepares a workstream's launch while the attempts it waits on run (see ``LaunchPreparer``):
/// its log is created and opened, so the launch does not pay for the file (25 µs to over a
/// millisecond of kernel time on a chain's critical path: ext4 without a journal after mass
/// deletions), and with ``CommandExecutor/parksShells`` its shell is started and parked
/// (`ParkedShell`), so the launch does not pay for the shell's start-up either. An append-only
/// log opened early is harmless; one never used is closed, and removed when it was empty when
/// opened (made by the preparation, or left empty by a run killed before the attempt came) and
/// nothing was written to it since; a parked shell never released exits without running
/// anything.
extension CommandExecutor: LaunchPreparer {
    /// Opens `workstream`'s log (`O_APPEND`, creating it and its folder) for its attempt
    /// `attempt`, which then writes its header and output through that descriptor; parks its
    /// shell when ``parksShells``. What cannot be prepared now is left to the attempt, which
    /// reports why it fails.
    public func prepare(_ workstream: Workstream, attempt: Int) async {
        guard let command = command(for: workstream) else { return }
        await preparedLogs.prepare(
            workstream.id, log: WorkstreamLog(path: logPath(for: workstream.id)),
            park: { fd in parksShells ? park(workstream, attempt: attempt, command: command, output: fd) : nil },
            grace: terminationGrace)
    }

    /// Ends the shell ``prepare(_:attempt:)`` parked for a `workstream` that will not launch, and
    /// closes its log; removes the log when it was empty when that preparation opened it and
    /// nothing was written to it since.
    public func discard(_ workstream: Workstream) async {
        await preparedLogs.discard(
            workstream.id, log: WorkstreamLog(path: logPath(for: workstream.id)), grace: terminationGrace)
    }

    /// Starts `workstream`'s shell for attempt `attempt`, as ``callAsFunction(_:_:)`` would
    /// (environment, folder, session, log, exit-status file), parked on a socket; `nil` when any
    /// part of it fails: the launch then spawns the shell itself.
    func park(_ workstream: Workstream, attempt: Int, command: String, output fd: Int32) -> ParkedShell? {
        guard let statusFD = try? exitStatuses.openedDescriptor(), let (go, shellEnd) = try? Syscall.socketPair() else {
            return nil
        }
        // Numbered above 4, so that the spawn's `dup2` to descriptor 4 is a real one.
        let readEnd = try? Syscall.duplicate(shellEnd, atLeast: 10, path: "a parked shell's socket")
        Syscall.close(shellEnd)
        guard let readEnd else {
            Syscall.close(go)
            return nil
        }
        defer { Syscall.close(readEnd) }
        let script = ParkedShell.script(id: workstream.id, attempt: attempt, command: command)
        guard
            let child = try? ChildProcess.spawn(
                executable: "/bin/sh", arguments: ["sh", "-c", script], environment: inherited,
                adding: perAttemptEnvironment(workstream, attempt: attempt), outputFD: fd, passedFD: statusFD,
                parkingFD: readEnd)
        else {
            Syscall.close(go)
            return nil
        }
        return ParkedShell(child: child, go: go, attempt: attempt)
    }

    /// `prepared`, unless its log lost its name meanwhile (the logs folder was removed): the
    /// attempt's output would go where no one can read it, so its shell is ended and the log
    /// closed, and the attempt opens its log again and spawns its shell as an unprepared one.
    func stillNamed(_ prepared: PreparedLaunch?, log: WorkstreamLog) async -> PreparedLaunch? {
        guard let prepared, (try? Syscall.linkCount(prepared.fd, path: log.path)) == 0 else { return prepared }
        await prepared.parked?.cancel(grace: terminationGrace)
        Syscall.close(prepared.fd)
        return nil
    }

    /// The shell of `workstream`'s attempt `attempt`, released from ``prepared`` when it was
    /// parked for that attempt; a parked shell of another attempt, one that died, or one someone
    /// stopped (SIGSTOP: released, it would be killed as a stopped command, failing an attempt
    /// that ran nothing) ends first. `nil`: the caller spawns one.
    func released(_ prepared: PreparedLaunch?, attempt: Int, token: Int64) async -> ChildProcess? {
        guard let parked = prepared?.parked else { return nil }
        if parked.attempt == attempt && Syscall.stopSignal(of: parked.child.pid) == nil && parked.release(token: token) {
            return parked.child
        }
        await parked.cancel(grace: terminationGrace)
        return nil
    }
}
