import OneshotSystem

/// Writes whole lines to stdout or stderr, unbuffered, so lines from the run loop and from error
/// paths never interleave mid-line. A non-blocking stdout or stderr (a node parent's pipe) is
/// waited on when full, not dropped.
public struct Console: Sendable {
    /// The descriptor for progress and results (stdout).
    public var outputFD: Int32 = 1
    /// The descriptor for warnings and errors (stderr).
    public var errorFD: Int32 = 2

    /// Creates a console on stdout and stderr.
    public init() {}

    /// Writes `text` and a newline to stdout.
    public func out(_ text: String) {
        try? outChecked(text)
    }

    /// Writes `text` and a newline to stdout, reporting a failure: for lines that must not be
    /// lost silently (the `--json` events).
    ///
    /// - Throws: ``SystemError`` when the line could not be written.
    public func outChecked(_ text: String) throws(SystemError) {
        try Syscall.writeAllWaitingForRoom(outputFD, Array((text + "\n").utf8), path: "stdout")
    }

    /// Writes `text` to stdout as it is (no newline): the live status line.
    public func raw(_ text: String) {
        try? Syscall.writeAllWaitingForRoom(outputFD, Array(text.utf8))
    }

    /// Writes `oneshot: error: <message>` to stderr.
    public func error(_ message: String) {
        try? Syscall.writeAllWaitingForRoom(errorFD, Array("oneshot: error: \(OneLine.escaped(message))\n".utf8))
    }

    /// Writes `oneshot: warning: <message>` to stderr.
    public func warning(_ message: String) {
        try? Syscall.writeAllWaitingForRoom(errorFD, Array("oneshot: warning: \(OneLine.escaped(message))\n".utf8))
    }

    /// Writes `hint: <text>` to stderr.
    public func hint(_ text: String) {
        try? Syscall.writeAllWaitingForRoom(errorFD, Array("hint: \(OneLine.escaped(text))\n".utf8))
    }
}
