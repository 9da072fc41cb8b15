import Foundation
import Oneshot
import OneshotSystem

extension RunCommand {
    /// Shows one event of the library's run: the observers are made when it opens.
    func handle(_ event: FeatureRun.Event, context: RunContext, observers: RunObservers) {
        switch event {
        case .opened(let start):
            opened(start, context: context, observers: observers)
        case .verifying(let item, let logPath):
            observers.isVerifying = true
            observers.note(
                "verifying \(item.record.id) before resuming: its attempt \(item.record.attempt) was running when its run died; `\(item.verify ?? "")` (output in \(logPath))"
            )
        case .resuming(let plan):
            observers.isVerifying = false
            observers.forEach { $0.resume(plan, previous: observers.start?.previous, graph: context.graph) }
        case .history(let plan):
            observers.isVerifying = false
            for line in HistoryText.reasoning(context.featureID, plan: plan, total: context.graph.count) {
                observers.note(line)
            }
        case .breakerOpen(let breaker, let until):
            observers.isVerifying = false
            observers.note(BreakerText.restoredOpen(breaker, until: until))
        case .dispatch(let event):
            observers.isVerifying = false
            observers.takeBeforeFirstEvent().forEach(observers.note)
            observers.forEach { $0.handle(event) }
            if case .workstreamFinished(let attempt) = event, let warning = attempt.result?.warning {
                observers.warning(warning)
            }
        case .warning(let message):
            observers.warning(message)
        }
    }

    /// The observers made, and what is said before anything runs.
    private func opened(_ start: FeatureRun.Start, context: RunContext, observers: RunObservers) {
        let made = makeObservers(
            featureID: context.featureID, graph: start.runGraph, plan: start.plan, estimates: start.knownDurations,
            paths: start.paths)
        observers.opened(start, observers: made, beforeFirstEvent: context.capped.map { [$0] } ?? [])
        let warnings = start.warnings + context.resumed.notes + adoptionsOutside(start.plan, runGraph: start.runGraph)
        warnings.forEach(observers.warning)
        [context.resumed.line, context.selection.summary].compactMap { $0 }.forEach(observers.note)
    }

    /// A first SIGINT, SIGTERM, SIGHUP or SIGQUIT stops the run gracefully: its commands get
    /// SIGTERM, then SIGKILL after `--grace`, and it returns its report. A second one throws the
    /// kill switch: the commands get SIGKILL at once, and the report (and so the checkpoint)
    /// follows without waiting out the grace. While `verify:` commands run, the stop is said
    /// afterwards, once.
    func signalled(_ number: Int32, _ stage: SignalCancellation.Stage, observers: RunObservers) {
        guard !observers.isVerifying else { return }
        switch stage {
        case .cancelled:
            observers.warning(
                "received \(Self.name(of: number)): stopping running workstreams (a second signal kills them at once)")
            observers.forEach { $0.stopping(grace: arguments.grace) }
        case .killed:
            observers.warning(
                "received \(Self.name(of: number)) while stopping: killing running workstreams now, without the rest of --grace; the checkpoint is still saved"
            )
            observers.forEach { $0.stopping(grace: .zero) }
        }
    }

    /// With `--json`, the JSON stream goes to stdout and the lines for people to stderr.
    func makeObservers(
        featureID: String, graph: WorkstreamGraph, plan: ResumePlan, estimates: [String: Double], paths: CheckpointPaths
    ) -> [any RunObserver] {
        var humanConsole = console
        if arguments.json { humanConsole.outputFD = 2 }
        let human = HumanOutput(
            console: humanConsole, featureID: featureID, graph: graph, estimates: estimates, jobs: arguments.jobs,
            colour: arguments.color.colours(humanConsole.outputFD), quiet: arguments.verbosity == .quiet
        )
        let ci = makeCIOutput(featureID: featureID, graph: graph, console: humanConsole)
        // The streamed output before `human`: a workstream's last lines come before its result.
        var shown: [any RunObserver] = [human, ci]
        if arguments.verbosity == .verbose {
            let colour = arguments.color.colours(humanConsole.outputFD)
            shown.insert(VerboseOutput(human: human, colour: colour, graph: graph, logFolder: ".sdp/logs/\(featureID)"), at: 0)
        }
        if arguments.failFast { shown.append(FailFastNotice(human: human, featureID: featureID)) }
        guard arguments.json else { return shown }
        let json = JSONEventOutput(
            console: console, featureID: featureID, checkpointPath: paths.checkpoint, resumed: plan.isResume)
        return [json] + shown
    }

}
