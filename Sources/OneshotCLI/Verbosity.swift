/// How much of a run `oneshot` shows people (`-v`, `-q`); the `--json` stream is the same
/// whatever it is.
public enum Verbosity: Sendable, Equatable {
    /// Every start, end, failure, note and the summary (the default).
    case normal
    /// `-v`: also each running workstream's output as it is written, each line prefixed with
    /// its id.
    case verbose
    /// `-q`: only failures, warnings and the summary.
    case quiet
}
