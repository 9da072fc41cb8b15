import OneshotWorkstreams

/// Work an executor can do for a workstream before it is launched, while the one it waits on
/// runs: on a chain one core idles while a step runs, and the next step's fixed costs (the CLI
/// creates and opens its log) can be paid then instead of between the steps.
///
/// Give one in ``DispatchOptions/preparer``; the ``Executor`` closure is unchanged. The
/// dispatcher calls ``prepare(_:)`` for a waiting workstream whose unfinished dependencies are all
/// running, once it has launched the last of them — it will be ready as soon as they complete
/// and their completions are durable — at most ``DispatchOptions/maxConcurrency`` minus the
/// running attempts prepared at once. Each prepared workstream then either launches (its next
/// ``Executor`` call takes over what was prepared) or gets ``discard(_:)``: a dependency failed,
/// the run stopped, the deadline set it aside. Both calls come from the dispatcher's loop, after
/// the launches of the turn that made the workstream worth preparing, in a task of its own; they
/// may run while that workstream's dependencies run, never after the run has returned.
///
/// Preparing must be harmless: nothing of the workstream's own work may run, and a prepared
/// workstream that never launches must leave nothing behind that matters (the CLI removes a log
/// it created, if nothing was written to it).
public protocol LaunchPreparer: Sendable {
    /// Does ahead of time what the next attempt of `workstream` would do first. Errors are the
    /// preparer's to swallow: the attempt then does the work itself, and reports its failure.
    func prepare(_ workstream: Workstream)
    /// Undoes ``prepare(_:)`` for a `workstream` that will not launch after all.
    func discard(_ workstream: Workstream)
}
