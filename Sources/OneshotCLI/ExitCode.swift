/// The exit codes of `oneshot`, listed in `--help` and the README.
public enum ExitCode: Int32, CaseIterable, Sendable {
    /// Every workstream is done.
    case success = 0
    /// Some workstream failed, or was skipped because a dependency failed.
    case workstreamsFailed = 1
    /// Usage error or invalid input: bad flags, bad files, a cycle, a missing dependency.
    case invalidInput = 2
    /// Another run of the same feature holds the checkpoint lock.
    case locked = 3
    /// The circuit breaker gave up after repeated trips; a later run resumes.
    case breakerGaveUp = 4
    /// `status`: there is no checkpoint for the feature; `log`: the workstream has not run yet.
    case noCheckpoint = 5
    /// The checkpoint cannot be used: not written with `--strict-checkpoint`, nothing written for
    /// `--checkpoint-grace` (a full disk), an unusable folder, or (for `status`) an unreadable
    /// file; or attempts could not be started for oneshot's own reasons for `--checkpoint-grace`;
    /// or (for `clean`) a file or folder under `.sdp/` could not be removed, or was left in place
    /// because removing it would leave `.sdp/` (a mount point, a symlinked folder on the way).
    case checkpointFailed = 6
    /// Stopped at `--deadline`: running attempts were interrupted, work that would not have
    /// finished before it was not started; progress is kept, the same command resumes.
    case deadlineReached = 7
    /// Nothing failed, but work is held for a decision: `idempotent: false` work whose end is
    /// unknown and that no `verify:` command vouched for (released by `--rerun-uncertain` or by
    /// marking it `status: completed`), or work whose outcome this run could not learn. A failure
    /// anywhere wins: the run exits 1, and the held work is reported all the same.
    case heldForDecision = 8
    /// Hung up: SIGHUP (the terminal closed, the ssh connection dropped); the checkpoint is kept
    /// for a resume. Not under `nohup`, which ignores SIGHUP: the run then goes on.
    case hangUp = 129
    /// Interrupted by SIGINT (Ctrl-C); the checkpoint is kept for a resume.
    case interrupted = 130
    /// Quit by SIGQUIT (Ctrl-\); the checkpoint is kept for a resume.
    case quit = 131
    /// Terminated by SIGTERM; the checkpoint is kept for a resume.
    case terminated = 143

    /// One line for the help text and the README.
    public var meaning: String {
        switch self {
        case .success: "every workstream is done"
        case .workstreamsFailed: "some workstream failed, or was skipped because a dependency failed"
        case .invalidInput: "usage error or invalid input (bad flags or files, a cycle, a missing dependency)"
        case .locked: "another run of the same feature holds the checkpoint lock"
        case .breakerGaveUp: "the circuit breaker gave up after repeated trips; run again later to resume"
        case .noCheckpoint: "status: no checkpoint exists for the feature; log: the workstream has no log yet"
        case .checkpointFailed:
            "the checkpoint cannot be used: not written (with --strict-checkpoint, or for --checkpoint-grace: a full disk), folder unusable, or unreadable; or attempts could not be started (oneshot's own resources) for --checkpoint-grace; or clean could not remove a file"
        case .deadlineReached:
            "stopped at the deadline (--deadline): running work interrupted, work that would not fit not started; run the same command to resume"
        case .heldForDecision:
            "held for a decision: nothing failed, but uncertain work may have run and cannot be verified; the summary names the command that releases it (a failure anywhere exits 1 instead)"
        case .hangUp: "hung up by SIGHUP (terminal closed, ssh dropped; not under nohup); progress is kept for a resume"
        case .interrupted: "interrupted by SIGINT; progress is kept for a resume"
        case .quit: "quit by SIGQUIT; progress is kept for a resume"
        case .terminated: "terminated by SIGTERM; progress is kept for a resume"
        }
    }
}
