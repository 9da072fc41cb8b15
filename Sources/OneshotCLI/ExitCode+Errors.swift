import Foundation
import Oneshot
import OneshotSystem

/// The one table from what stopped a command to its exit code: every command returns the code
/// of a failure from here, and the README's table lists the same codes (tested).
extension ExitCode {
    /// A command line, environment variable or configuration line oneshot cannot act on: 2.
    init(_ error: UsageError) {
        self = .invalidInput
    }

    /// An invalid feature id, workstream file or command template: 2.
    init(_ error: InputError) {
        self = .invalidInput
    }

    /// Files that do not make a valid feature (malformed, a cycle, a missing dependency): 2.
    init(_ errors: InputErrors) {
        self = .invalidInput
    }

    /// Why a run could not start: another run holds the lock (3), the checkpoint folder cannot
    /// be used (6), or the feature or the selection is invalid (2).
    init(_ failure: FeatureRun.Failure) {
        switch failure {
        case .locked(let lock): self.init(lock)
        case .checkpointUnusable(let error): self.init(error)
        case .invalidFeature, .unknownWorkstream, .missingCommand, .dependencyNotDone: self = .invalidInput
        }
    }

    /// The feature's lock: held by another run (3), or its file unusable (6).
    init(_ failure: FileLock.Failure) {
        switch failure {
        case .held: self = .locked
        case .system(let error): self.init(error)
        }
    }

    /// A checkpoint or journal that cannot be read: 6.
    init(_ error: CheckpointError) {
        self = .checkpointFailed
    }

    /// A system call failed on oneshot's own files under `.sdp/` (the checkpoint folder, the
    /// history, the logs): 6. A file the user names (`-o FILE`) that cannot be written is a
    /// ``UsageError`` instead.
    init(_ error: SystemError) {
        self = .checkpointFailed
    }

    /// Any error a command catches, by its type; an error of no known type is taken as input
    /// oneshot cannot act on (2).
    init(_ error: any Error) {
        switch error {
        case let error as UsageError: self.init(error)
        case let error as InputError: self.init(error)
        case let error as InputErrors: self.init(error)
        case let error as FeatureRun.Failure: self.init(error)
        case let error as FileLock.Failure: self.init(error)
        case let error as CheckpointError: self.init(error)
        case let error as SystemError: self.init(error)
        default: self = .invalidInput
        }
    }

    /// How a run ended: a run stopped by `signal` (before all was done) exits 128 + its number
    /// for SIGINT, SIGHUP, SIGQUIT and SIGTERM; otherwise its report's `status` decides (no
    /// report: interrupted).
    init(status: RunReport.Status?, signal: Int32?) {
        if let signal, status != .succeeded {
            self.init(signal: signal)
            return
        }
        switch status {
        case .succeeded?: self = .success
        case .failed?: self = .workstreamsFailed
        case .held?: self = .heldForDecision
        case .journalFailed?, .infrastructureFailed?: self = .checkpointFailed
        case .breakerGaveUp?: self = .breakerGaveUp
        case .deadlineReached?: self = .deadlineReached
        case .interrupted?, nil: self = .interrupted
        }
    }

    /// The code of a run stopped by `signal`: SIGTERM, and any signal but SIGINT, SIGHUP and
    /// SIGQUIT, gives 143.
    init(signal: Int32) {
        switch signal {
        case SIGINT: self = .interrupted
        case SIGHUP: self = .hangUp
        case SIGQUIT: self = .quit
        default: self = .terminated
        }
    }
}
