import OneshotSystem

/// Writes whole lines to stdout or stderr, unbuffered, so lines from the run loop and from error
/// paths never interleave mid-line.
public struct Console: Sendable {
    /// The descriptor for progress and results (stdout).
    public var outputFD: Int32 = 1
    /// The descriptor for warnings and errors (stderr).
    public var errorFD: Int32 = 2

    /// Creates a console on stdout and stderr.
    public init() {}

    /// Writes `text` and a newline to stdout.
    public func out(_ text: String) {
        try? Syscall.writeAll(outputFD, Array((text + "\n").utf8))
    }

    /// Writes `text` to stdout as it is (no newline): the live status line.
    public func raw(_ text: String) {
        try? Syscall.writeAll(outputFD, Array(text.utf8))
    }

    /// Writes `oneshot: error: <message>` to stderr.
    public func error(_ message: String) {
        try? Syscall.writeAll(errorFD, Array("oneshot: error: \(message)\n".utf8))
    }

    /// Writes `oneshot: warning: <message>` to stderr.
    public func warning(_ message: String) {
        try? Syscall.writeAll(errorFD, Array("oneshot: warning: \(message)\n".utf8))
    }

    /// Writes `hint: <text>` to stderr.
    public func hint(_ text: String) {
        try? Syscall.writeAll(errorFD, Array("hint: \(text)\n".utf8))
    }
}
