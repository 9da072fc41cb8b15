import OneshotSystem

/// Why a checkpoint file cannot be used.
public struct CheckpointError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// What is wrong with it.
    public var reason: String
    /// The failed system call, when the file could not be read at all (not corrupt, unreadable:
    /// it must not be moved aside as corrupt).
    public var cause: SystemError?

    /// Creates an error.
    public init(path: String, reason: String, cause: SystemError? = nil) {
        self.path = path
        self.reason = reason
        self.cause = cause
    }

    /// `"<path>: <reason>"`.
    public var description: String { "\(path): \(reason)" }
}
