import Oneshot

/// Something that shows a run: the lines for people, the JSON stream for machines.
protocol RunObserver: Sendable {
    /// Called on the dispatcher's loop for every event, in order.
    func handle(_ event: RunEvent)
    /// Called once the run is over and its exit code known.
    func finish(_ report: RunReport?, exitCode: ExitCode)
    /// The resume plan, before the run starts.
    func resume(_ plan: ResumePlan, previous: Checkpoint?, graph: WorkstreamGraph)
    /// Something the user should know that is not an event of the run.
    func warning(_ message: String)
    /// Called about once a second while the run goes on.
    func tick()
    /// Information for people (where the checkpoint is, when the breaker probes).
    func note(_ message: String)
    /// Called when a signal stops the run (see the extension's default).
    func stopping(grace: Duration)
}

extension RunObserver {
    /// Called when a signal stops the run: its running workstreams get `grace` (`.zero` once a
    /// second signal kills them). Shown by the live status line; the default ignores it.
    func stopping(grace: Duration) {}
}
