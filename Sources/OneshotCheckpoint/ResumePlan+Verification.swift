extension ResumePlan {
    /// How an uncertain workstream's `verify:` command ended.
    public enum VerifyOutcome: Sendable, Equatable {
        /// It exited 0: the work was done.
        case passed
        /// It did not: how, for the report (`exit 1`, `timed out after 30s`).
        case failed(String)
    }

    /// The uncertain workstreams that declare a `verify:` command, in id order: what a resume
    /// checks before running anything.
    public var verifiable: [Uncertain] { uncertain.filter { $0.verify != nil } }

    /// The plan once the `verify:` commands of uncertain workstreams have run (seed 000: uncertain
    /// state is verified, not guessed).
    ///
    /// A workstream whose command passed is PRESERVED: completed, not run again, its dependents
    /// free to start, whether or not it is idempotent. One whose command failed stays UNCERTAIN,
    /// with the failure: it runs again when idempotent (or under `--rerun-uncertain`), and is
    /// held otherwise, as without a command.
    ///
    /// - Parameter outcomes: by workstream id; uncertain workstreams not named are unchanged.
    public func verifying(_ outcomes: [String: VerifyOutcome]) -> ResumePlan {
        var plan = self
        plan.uncertain = []
        for var item in uncertain {
            switch outcomes[item.record.id] {
            case .passed?:
                plan.completed.insert(item.record.id)
                plan.preserved.append(Preserved(id: item.record.id, durationMS: nil))
                plan.verified.append(Verified(record: item.record, command: item.verify ?? ""))
            case .failed(let how)?:
                item.verifyFailure = how
                plan.uncertain.append(item)
            case nil:
                plan.uncertain.append(item)
            }
        }
        plan.preserved.sort { $0.id < $1.id }
        return plan
    }
}
