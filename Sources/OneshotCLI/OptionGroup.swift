/// The section of `oneshot --help` an option is listed in: a run takes some forty options, so
/// its help lists them by what they are about. Other subcommands take a few and list them in
/// one section.
enum OptionGroup: CaseIterable, Sendable {
    /// What and how to run: jobs, commands, time limits, where the files are.
    case general
    /// Which workstreams run: `--rerun`, `--only`.
    case selection
    /// What a run does with the checkpoint and with what an earlier run left.
    case resume
    /// Where attempts run: here or on Slurm.
    case executor
    /// The circuit breaker.
    case breaker
    /// What a run prints and writes besides its work.
    case output

    /// The section's heading in the help.
    var heading: String {
        switch self {
        case .general: "OPTIONS"
        case .selection: "SELECTION OPTIONS"
        case .resume: "CHECKPOINT AND RESUME OPTIONS"
        case .executor: "EXECUTOR OPTIONS"
        case .breaker: "BREAKER OPTIONS"
        case .output: "OUTPUT OPTIONS"
        }
    }
}
