extension HelpText {
    /// `oneshot trace --help`.
    static var traceText: String {
        """
        oneshot trace — write a run as a Chrome trace, for Perfetto or chrome://tracing.

        USAGE
          oneshot trace <feature-id> [-o FILE] [-C DIR]
          oneshot <feature-id> --trace FILE      (written at the end of the run)

        Draws the run in progress or interrupted (its checkpoint and journal), or, with
        no checkpoint, the last successful run (.sdp/history/<feature-id>.json), every
        resume included. One track per concurrency slot (attempts packed as ninjatracing
        does), one complete event per attempt named by its workstream, with args
        attempt, run, outcome, exit_code, cost_usd, log and critical_path; the critical
        path's attempts also carry the category 'critical_path'; instant events mark
        each run's start and end (a resume is a run boundary), the breaker's transitions
        and the deadline. Times in microseconds from the first run's start
        (otherData.origin).

        \(options(for: .trace))

        EXAMPLES
          oneshot trace F052 -o F052.trace.json     then open it in ui.perfetto.dev
          oneshot trace F052 | python3 -m json.tool

        Exit 0 when written, 5 when the feature has neither a checkpoint nor a history,
        6 when the checkpoint cannot be read, 2 when FILE cannot be written.
        """
    }

    /// `oneshot report --help`.
    static var reportText: String {
        """
        oneshot report — write a run as one self-contained HTML page.

        USAGE
          oneshot report <feature-id> [-o FILE] [-C DIR]
          oneshot <feature-id> --report        (after a failed or resumed run;
                                                or 'report: auto')

        The page needs no network and no script: a header (feature, result, runs, total
        time, cost, the command that resumes it), a Gantt chart of every attempt across
        the runs (coloured by outcome, retries dashed, the critical path outlined, runs
        and breaker-open periods shaded, the deadline drawn; hover a bar for its
        details) and a table of the workstreams with the last lines of each failed log.
        Drawn from the checkpoint of a run in progress or interrupted, or from the
        history of the last successful run.

        \(options(for: .report))

        EXAMPLES
          oneshot report F052 && xdg-open .sdp/reports/F052.html
          oneshot report F052 -o /tmp/F052.html

        Exit 0 when written, 5 when the feature has neither a checkpoint nor a history,
        6 when the checkpoint cannot be read, 2 when FILE cannot be written.
        """
    }
}
