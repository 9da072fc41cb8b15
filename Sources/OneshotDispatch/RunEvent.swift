/// Something that happened during a run, in the order it happened.
///
import Foundation
import OneshotBreaker

/// The CLI prints these (as lines for people or JSON for machines); an embedding harness
/// receives the same values and needs no parsing.
public enum RunEvent: Sendable, Equatable {
    /// The run begins.
    case runStarted(RunStart)
    /// An attempt was launched.
    case workstreamStarted(id: String, attempt: Int)
    /// An attempt ended.
    case workstreamFinished(AttemptReport)
    /// A workstream will not run because a dependency failed.
    case workstreamSkipped(id: String, blockedBy: String)
    /// The circuit breaker changed state (tripped, probed, closed, gave up).
    case breakerChanged(CircuitBreaker.Transition)
    /// Ready work is held back by the open breaker until `until`, when one probe will go.
    case breakerWaiting(until: Date)
    /// The journal (the checkpoint) durably recorded a batch.
    case journalCommitted
    /// The journal (the checkpoint) could not record progress; the run goes on unless it stops.
    case journalFailed(message: String, stopsRun: Bool)
    /// Nothing could be written to the journal (a full disk): no attempt starts until a retry,
    /// in `retryIn`, succeeds (then ``journalCommitted`` follows). `unrecorded` names the
    /// workstreams whose outcomes wait for a commit that is durable; `since` is when writing began to fail.
    case journalUnwritable(message: String, unrecorded: [String], since: Date, retryIn: Duration)
    /// oneshot could not start an attempt for a reason of its own (``InfrastructureError``): not
    /// a failure of the workstream, not counted by the breaker nor against its retries. It is
    /// tried again in `retryIn`; `nil` when the run stops instead.
    case infrastructureFailed(id: String, attempt: Int, message: String, retryIn: Duration?)
    /// The run ended.
    case runFinished(RunReport)
}

/// The shape of a run as it begins.
public struct RunStart: Sendable, Equatable {
    /// Workstreams in the feature.
    public var total: Int
    /// Of those, already done (declared in their files or completed in a checkpoint).
    public var alreadyDone: Int
    /// The concurrency limit.
    public var maxConcurrency: Int
}
