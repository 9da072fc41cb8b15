import OneshotWorkstreams

/// Work an executor can do for a workstream before it is launched, while the one it waits on
/// runs: on a chain one core idles while a step runs, and the next step's fixed costs (the CLI
/// creates and opens its log) can be paid then instead of between the steps.
///
/// Give one in ``DispatchOptions/preparer``; the ``Executor`` closure is unchanged. The
/// dispatcher calls ``prepare(_:attempt:)`` for a waiting workstream whose unfinished
/// dependencies are all running, once it has launched the last of them — it will be ready as
/// soon as they complete and their completions are durable. A prepared workstream holds a slot:
/// running attempts and prepared workstreams together never exceed
/// ``DispatchOptions/maxConcurrency``, and a launch of another workstream that needs the slot
/// discards the latest preparation first. Each prepared workstream then either launches (its next
/// ``Executor`` call, with the attempt it was prepared for, takes over what was prepared) or gets
/// ``discard(_:)``: a dependency failed, the run stopped, the deadline set it aside, its slot was
/// needed. Both calls come from the dispatcher's loop, in a task of its own added after the
/// launches and the commit of the turn that made the workstream worth preparing; a discard only
/// once the preparation it undoes has returned, even when the tasks run on several threads. The
/// launch does not wait for it: an ``Executor`` that takes over what was prepared must expect a
/// preparation still under way. Every call has returned when the run returns.
///
/// Preparing must be harmless: nothing of the workstream's own work may run before its launch,
/// and a prepared workstream that never launches must leave nothing behind that matters (the CLI
/// removes a log it created, if nothing was written to it, and ends its parked shell).
public protocol LaunchPreparer: Sendable {
    /// Does ahead of time what `workstream`'s attempt `attempt` (its next) would do first.
    /// Errors are the preparer's to swallow: the attempt then does the work itself, and reports
    /// its failure.
    func prepare(_ workstream: Workstream, attempt: Int) async
    /// Undoes ``prepare(_:attempt:)`` for a `workstream` that will not launch after all.
    func discard(_ workstream: Workstream) async
}
