import OneshotSystem

/// An attempt's `/bin/sh` started ahead of its launch and parked: before anything else its script
/// blocks reading a line from a socket it inherited as descriptor 4, so the shell's start-up (the
/// spawn, the loader, the shell's own set-up: most of a short command's cost) is paid while the
/// attempt's dependencies run. Nothing of the command runs before ``release(token:)``.
///
/// - Release writes the attempt's launch token (``ExitStatusLine/token(launchedAt:)``) down the
///   socket: the shell closes it, sets the exit trap with the token in it (expanded as the
///   trap is set, so nothing the command does can change it), and runs the command exactly as a
///   shell spawned at the launch would (``ExitTrapLine``).
/// - Cancel closes oneshot's end: the shell reads end-of-file and exits 0 before any trap
///   is set, writing no exit status. The kernel closes it the same way when oneshot dies, so a
///   killed run leaves no parked shell behind and none runs its command.
///
/// A socket (`AF_UNIX` stream pair), not a pipe: the release's send to a shell killed while
/// parked fails with `EPIPE` without raising `SIGPIPE` (`MSG_NOSIGNAL`), so a process that
/// embeds a ``CommandExecutor`` and leaves `SIGPIPE` at its default is not killed by it.
struct ParkedShell: Sendable {
    /// The parked shell, counted against `-j` by the dispatcher like a running attempt.
    let child: ChildProcess
    /// oneshot's end of the socket the shell waits on.
    let go: Int32
    /// The attempt it was started for: its environment says so.
    let attempt: Int

    /// What the script does before the trap: waits for the token (exits 0 at end-of-file, or on
    /// anything but digits), closes the socket so the command does not inherit it.
    static let prelude = """
        read -r t <&4 || exit 0
        exec 4<&-
        case $t in ''|*[!0-9]*) exit 0 ;; esac

        """

    /// ``CommandExecutor/exitTrap(id:attempt:token:)`` with the token read from the socket: the
    /// same action once `$t` is expanded, when the trap is set; `t` is unset before the command.
    static func exitTrap(id: String, attempt: Int) -> String {
        let before = ShellWord.quoted("printf '\\n\(attempt) ")
        let between = ShellWord.quoted(" %s %s %s ")
        let after = ShellWord.quoted("\\n' $$ $? \(ShellWord.quoted(id)) >&3")
        return "trap \(before)\"$t\"\(between)\"$t\"\(after) EXIT\nunset t\n"
    }

    /// The `sh -c` script of a parked attempt of `id` running `command`.
    static func script(id: String, attempt: Int, command: String) -> String {
        prelude + ExitTrapLine.line(trap: exitTrap(id: id, attempt: attempt), command: command)
    }

    /// Lets the shell run its command, with `token` in its exit trap.
    ///
    /// - Returns: `false` when the shell is gone (the send fails, with no `SIGPIPE`: it was
    ///   killed meanwhile); it ran nothing, and the caller ends it with ``cancel(grace:)``, which
    ///   closes the socket, and starts the attempt as usual. Only a release that succeeded closes
    ///   the socket: closing it
    ///   twice would close whatever another thread opened under its number meanwhile.
    func release(token: Int64) -> Bool {
        do {
            try Syscall.sendAllWithoutSignal(go, Array("\(token)\n".utf8), path: "the socket of parked shell \(child.pid)")
        } catch {
            return false
        }
        Syscall.close(go)
        return true
    }

    /// Ends the shell without running anything, and reaps it.
    func cancel(grace: Duration) async {
        Syscall.close(go)
        _ = await child.wait(terminationGrace: grace)
    }
}
