/// What part of a feature a run or a plan is about (ninja's targets): the positional ids after
/// the feature, `--rerun`, `--only` and `--assume-deps-done`.
public struct TargetArguments: Sendable, Equatable {
    /// `oneshot F052 ID…`: run these and what they depend on, nothing else.
    public var targets: [String] = []
    /// `--rerun ID` (repeatable): run it again even though it is done, with everything downstream.
    public var rerun: [String] = []
    /// `--only ID` (repeatable): run exactly these, trusting their dependencies are done.
    public var only: [String] = []
    /// `--assume-deps-done`: with `--only`, do not check that the dependencies are recorded done.
    public var assumeDepsDone = false

    /// Whether the whole feature is selected and nothing is forced.
    public var isEmpty: Bool { targets.isEmpty && rerun.isEmpty && only.isEmpty }

    /// Creates an empty selection: the whole feature.
    public init() {}

    /// Takes `option` (and its `value`) if it is one of the selection's.
    ///
    /// - Returns: whether it was.
    mutating func take(_ option: CommandOption, value: String?) -> Bool {
        switch option {
        case .rerun: rerun.append(value ?? "")
        case .only: only.append(value ?? "")
        case .assumeDepsDone: assumeDepsDone = true
        default: return false
        }
        return true
    }
}
