#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a child process ended.
public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    /// It called `exit` with this code.
    case exited(Int32)
    /// A signal ended it.
    case signaled(Int32)
    /// This signal stopped it, and it was killed: stopped, it would never have ended.
    case stopped(Int32)

    /// Whether the process exited with code 0.
    public var isSuccess: Bool { self == .exited(0) }

    /// The shell's convention: the exit code, or 128 + the signal number.
    public var shellCode: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal), .stopped(let signal): 128 + signal
        }
    }

    /// `"exit 1"`, `"signal 15 (SIGTERM)"` or what stopped it.
    public var description: String {
        switch self {
        case .exited(let code): "exit \(code)"
        case .signaled(let signal): "signal \(signal)\(Self.name(of: signal).map { " (\($0))" } ?? "")"
        case .stopped(SIGTTIN): "stopped: tried to read the terminal (stdin is /dev/null; use a non-interactive command)"
        case .stopped(SIGTTOU): "stopped: tried to write to or configure the terminal; use a non-interactive command"
        case .stopped(let signal):
            "stopped by signal \(signal)\(Self.name(of: signal).map { " (\($0))" } ?? ""): killed, as a stopped command never ends"
        }
    }

    static func name(of signal: Int32) -> String? {
        switch signal {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGKILL: "SIGKILL"
        case SIGHUP: "SIGHUP"
        case SIGQUIT: "SIGQUIT"
        case SIGSEGV: "SIGSEGV"
        case SIGABRT: "SIGABRT"
        case SIGPIPE: "SIGPIPE"
        case SIGSTOP: "SIGSTOP"
        case SIGTSTP: "SIGTSTP"
        default: nil
        }
    }

    /// Decodes a `waitpid` status word.
    init(waitStatus status: Int32) {
        let signal = status & 0x7f
        if signal == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signaled(signal)
        }
    }
}
