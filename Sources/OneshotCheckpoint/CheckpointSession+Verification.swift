import OneshotDispatch
import Synchronization

extension CheckpointSession {
    /// Takes in what the `verify:` commands of uncertain workstreams said (see
    /// ``ResumePlan/verifying(_:)``): those that passed are recorded completed and made durable
    /// before anything that depends on them can start (persist before proceed); the plan is
    /// updated for the run.
    ///
    /// - Parameter outcomes: by workstream id.
    /// - Returns: the commit's result (a full disk is retried by the run's next commit, which
    ///   writes the whole state).
    @discardableResult
    public func settleVerifications(_ outcomes: [String: ResumePlan.VerifyOutcome]) async -> JournalCommitResult {
        let verified = settledPlan.withLock { plan in
            let before = Set(plan.verified.map(\.record.id))
            plan = plan.verifying(outcomes)
            return plan.verified.filter { !before.contains($0.record.id) }
        }
        guard !verified.isEmpty else { return .durable }
        for item in verified { store.attemptVerified(item.record) }
        return await store.commit()
    }
}
