extension HTMLReport {
    /// The page's only style sheet: colours by outcome, shared by the bars, the legend and the
    /// table. System fonts only: nothing is fetched.
    static let style = """
        body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #212529; background: #fff; }
        h1 { font-size: 22px; margin: 0 0 8px; } h2 { font-size: 17px; margin: 24px 0 8px; }
        .result { font-size: 14px; padding: 2px 8px; border-radius: 4px; color: #fff; background: #868e96; vertical-align: middle; }
        .result.succeeded { background: #2f9e44; } .result.failed { background: #e03131; } .result.running { background: #1c7ed6; }
        .result.unfinished { background: #f08c00; }
        dl.summary { display: flex; flex-wrap: wrap; gap: 4px 24px; margin: 8px 0; }
        dl.summary div { display: flex; gap: 6px; } dt { color: #868e96; } dd { margin: 0; font-weight: 600; }
        .resume { background: #fff4e6; border-left: 4px solid #f08c00; padding: 6px 10px; }
        code, pre, .id, .log-path { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
        .gantt { overflow-x: auto; border: 1px solid #dee2e6; }
        .gantt svg { display: block; font-size: 11px; }
        .bar { fill: #495057; stroke: #fff; stroke-width: 0.5; }
        .bar.succeeded, .swatch.succeeded { fill: #2f9e44; background: #2f9e44; }
        .bar.failed, .swatch.failed { fill: #e03131; background: #e03131; }
        .bar.timed_out, .swatch.timed_out { fill: #f08c00; background: #f08c00; }
        .bar.interrupted, .swatch.interrupted { fill: #868e96; background: #868e96; }
        .bar.uncertain, .swatch.uncertain { fill: #9c36b5; background: #9c36b5; }
        .bar.running, .swatch.running { fill: #1c7ed6; background: #1c7ed6; }
        .bar.critical { stroke: #212529; stroke-width: 2; }
        .swatch.critical { background: #fff; border: 2px solid #212529; }
        .bar.retry { stroke-dasharray: 3 2; }
        .swatch.retry { background: #fff; border: 1px dashed #212529; }
        .run-odd, .swatch.run-odd { fill: #f1f3f5; background: #f1f3f5; } .run-even { fill: #fff; }
        .gap { fill: #dee2e6; }
        .breaker-open, .swatch.breaker-open { fill: #ffd8a8; fill-opacity: 0.6; background: #ffd8a8; }
        .boundary { stroke: #495057; stroke-width: 1.5; stroke-dasharray: 4 3; }
        .deadline { stroke: #c92a2a; stroke-width: 2; }
        .lane { stroke: #e9ecef; } .tick { stroke: #ced4da; } .tick-label, .lane-label { fill: #868e96; }
        .run-label { fill: #495057; font-weight: 600; } .label { fill: #fff; pointer-events: none; }
        .legend { display: flex; flex-wrap: wrap; gap: 4px 16px; color: #495057; }
        .key { display: inline-flex; align-items: center; gap: 6px; }
        .swatch { display: inline-block; width: 14px; height: 10px; border-radius: 2px; box-sizing: border-box; }
        table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 4px 8px; vertical-align: top; border-bottom: 1px solid #e9ecef; }
        th { color: #868e96; font-weight: 600; } .number { text-align: right; white-space: nowrap; }
        tr.critical .id { font-weight: 700; } tr.critical .id::after { content: " \\2605"; color: #f08c00; }
        .state-completed .state { color: #2f9e44; } .state-failed .state { color: #e03131; } .state-running .state { color: #1c7ed6; }
        .state-uncertain .state { color: #9c36b5; } .state-skipped .state, .state-interrupted .state, .state-pending .state { color: #868e96; }
        pre { margin: 4px 0 0; padding: 6px 8px; background: #f8f9fa; border: 1px solid #e9ecef; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }

        """
}
