import Foundation
import Oneshot
import OneshotSystem

/// `oneshot F052`: load, validate, lock, resume, run, save, report. The library does the work;
/// this wires it to the terminal, the signals and the exit code.
struct RunCommand {
    private(set) var arguments: RunArguments
    let console: Console

    init(arguments: RunArguments, console: Console) {
        self.arguments = arguments
        self.console = console
    }

    mutating func execute() async -> ExitCode {
        if let problem = ProjectRoot.enter(arguments.projectRoot) {
            console.error(problem)
            return .invalidInput
        }
        let startedAt = Date()
        let recorded = arguments.fresh || arguments.force ? nil : RunSettings.recorded(featureID: arguments.featureID)
        let resumed: RunSettings.Resumed
        do {
            try EnvironmentSettings.apply(to: &arguments)
            resumed = try RunSettings.applyRecorded(
                recorded, path: CheckpointPaths(featureID: arguments.featureID).checkpoint, to: &arguments)
            try ConfigFile.apply(to: &arguments)
            arguments.featuresFolder = arguments.featuresFolder.map(ProjectRoot.relative)
            try arguments.validate()
        } catch {
            error.messages.forEach { console.error($0) }
            console.hint("see 'oneshot help config'")
            return .invalidInput
        }
        if arguments.dryRun {
            let format: PlanCommand.Format = arguments.json ? .json : .text
            return PlanCommand(
                featureID: arguments.featureID, featuresFolder: arguments.featuresFolder, projectRoot: nil, format: format,
                console: console, execTemplate: arguments.execTemplate, selection: arguments.selection
            ).execute()
        }
        guard let (featureID, graph, executor) = loadFeature() else { return .invalidInput }
        guard let (selection, runGraph) = selectWorkstreams(graph) else { return .invalidInput }
        // Counted before the run opens its own: the reserve covers those.
        let attemptsAllowed = DescriptorLimit.attemptsAllowed()
        if attemptsAllowed == 0 {
            let limit = DescriptorLimit.softLimit.map(String.init) ?? "?"
            console.error("the open-file limit (ulimit -n \(limit)) leaves no descriptors for an attempt; raise it")
            return .checkpointFailed
        }
        let paths = CheckpointPaths(featureID: featureID.rawValue)
        let history = RunHistory.load(RunHistory.path(featureID: featureID.rawValue), featureID: featureID.rawValue)
        let historyPlan =
            arguments.force
            ? nil
            : history.history.map { history in
                selection.applying(
                    to: HistoryPlan.make(
                        history: history, graph: graph, exec: arguments.execTemplate,
                        outputExists: { FileManager.default.fileExists(atPath: $0) }))
            }
        let problems = CommandCheck.problems(executor.commands, graph: graph) {
            selection.notToRun(
                CommandCheck.done(
                    featureID: featureID.rawValue, graph: graph, executor: executor.commands,
                    fresh: arguments.fresh || arguments.force,
                    history: historyPlan))
        }
        guard problems.isEmpty else {
            problems.forEach { console.error($0) }
            return .invalidInput
        }
        if let problem = unmetDependency(selection, history: historyPlan, executor: executor.commands) {
            console.error(problem)
            return .invalidInput
        }
        let session: CheckpointSession
        do {
            session = try CheckpointSession.open(
                graph: graph, paths: paths, fresh: arguments.fresh || arguments.force, rerunUncertain: arguments.rerunUncertain,
                strict: arguments.strictCheckpoint, orphans: executor.orphanHandling(killRunning: arguments.killOrphans),
                carried: historyPlan?.carried ?? [:], settings: RunSettings.record(arguments), rerun: selection.rerun
            )
        } catch {
            console.error(error.description)
            if case .locked = error { return .locked }
            return .checkpointFailed
        }
        // The checkpoint's durations are this run's own; the history's fill in the rest.
        let known = (history.history?.knownDurations ?? [:]).merging(session.plan.knownDurations) { _, own in own }
        let observers = makeObservers(
            featureID: featureID.rawValue, graph: runGraph, plan: session.plan, estimates: known, paths: paths)
        let warn: (String) -> Void = { message in observers.forEach { $0.warning(message) } }
        history.warning.map(warn)
        session.warnings.forEach(warn)
        (resumed.notes + adoptionsOutside(session.plan, runGraph: runGraph)).forEach(warn)
        for line in [resumed.line, selection.summary].compactMap({ $0 }) { observers.forEach { $0.note(line) } }
        let verifying = VerifyStep(
            session: session, graph: graph, executor: executor.commands, defaultTimeout: arguments.timeout,
            observers: observers)
        if let signal = await verifying.run() {
            // Said as a run stopped by a signal says it: it ended before any summary.
            let saved = (try? session.finish(allDone: false)) != nil
            console.error(
                "received \(Self.name(of: signal)) while verifying: the verify command was stopped; "
                    + (saved
                        ? "checkpoint saved: \(paths.checkpoint); run the same command to resume"
                        : "the checkpoint could not be saved"))
            let code = exitCode(for: nil, signal: signal)
            observers.forEach { $0.finish(nil, exitCode: code) }
            return code
        }
        if session.plan.isResume {
            observers.forEach { $0.resume(session.plan, previous: session.previous, graph: graph) }
        } else if let historyPlan {
            let inScope = selection.restricting(historyPlan)
            if inScope.isUpToDate {
                // Nothing runs: the snapshot the session wrote goes, as after a success.
                try? session.finish(allDone: true)
                let line = HistoryText.upToDate(featureID.rawValue, history: historyPlan.history, total: graph.count)
                observers.forEach { $0.note(selection.scope == nil ? line : selection.upToDateLine(historyPlan)) }
                return .success
            }
            for line in HistoryText.reasoning(featureID.rawValue, plan: inScope, total: graph.count) {
                observers.forEach { $0.note(line) }
            }
        }
        let breaker = restoredBreaker(session.previous)
        if let breaker, breaker.state == .open, let until = breaker.openUntil, until > Date() {
            observers.forEach { $0.note(BreakerText.restoredOpen(breaker, until: until)) }
            if arguments.noWait {
                try? session.finish(allDone: false)
                console.error("circuit breaker is open until \(BreakerText.time(until)); run again then (--no-wait)")
                observers.forEach { $0.finish(nil, exitCode: .breakerGaveUp) }
                return .breakerGaveUp
            }
        }
        let store = session.store
        var spawning = executor
        if var local = executor as? CommandExecutor {
            local.onSpawn = { id, attempt, child in
                store.processStarted(id: id, attempt: attempt, pid: child.pid, startTime: child.startTime)
            }
            spawning = local
        }
        var options = DispatchOptions(
            maxConcurrency: cappedJobs(attemptsAllowed, warn: { message in observers.forEach { $0.note(message) } }),
            defaultRetries: arguments.retries, defaultTimeout: arguments.timeout,
            knownDurations: known, alreadyCompleted: session.plan.completed,
            held: session.plan.held,
            adopted: session.plan.adopted.compactMap { record in
                runGraph.node(record.id).map { executor.adopt(record, of: runGraph.workstreams[$0], now: Date()) }
            },
            outputsRoot: ".", breaker: breaker, threading: .dedicatedThread
        )
        options.checkpointGrace = arguments.checkpointGrace
        options.previousAttempts = session.plan.previousAttempts
        options.deadline = arguments.deadline?.date(from: startedAt)
        options.failFast = arguments.failFast
        if let deadline = options.deadline { store.recordDeadline(deadline) }
        let dispatcher = Dispatcher(graph: runGraph, options: options, journal: store)
        let killSwitch = KillSwitch()
        let (report, signal) = await runUntilSignal(
            dispatcher, executor: spawning, observers: observers, killSwitch: killSwitch)
        // What commands left running outside their groups goes before oneshot does; at once after
        // a second signal.
        Subreaper.endAll(grace: killSwitch.isThrown ? .zero : arguments.grace)
        let held = HeldReport(
            plan: session.plan, report: report, graph: graph, executor: executor.commands,
            release: HeldReport.releaseCommand(arguments))
        for line in held.lines() { observers.forEach { $0.note(line) } }
        let targetsDone = report.map { $0.status == .succeeded } ?? false
        let allDone = targetsDone && selection.featureDone(session.store)
        var code = exitCode(for: report, signal: signal)
        var saved = true
        let finalCheckpoint = allDone ? session.store.current : nil
        let pictured = arguments.tracePath != nil || arguments.report ? session.store.current : nil
        do {
            try session.finish(allDone: allDone)
            if !allDone {
                let line =
                    targetsDone
                    ? selection.unfinishedLine(featureID.rawValue, checkpoint: paths.checkpoint)
                    : "checkpoint saved: \(paths.checkpoint); run the same command to resume"
                observers.forEach { $0.note(line) }
            }
        } catch {
            saved = false
            warn("could not \(allDone ? "remove" : "save") the checkpoint: \(error)")
            if arguments.strictCheckpoint { code = .checkpointFailed }
        }
        if let finalCheckpoint { recordHistory(finalCheckpoint, graph: graph, warn: warn) }
        if let report, let line = stoppedLine(report, recorded: saved) {
            console.error(line)
        }
        if let report, report.status == .deadlineReached {
            let line = DeadlineText.stopped(report, deadline: options.deadline, knownDurations: options.knownDurations)
            observers.forEach { $0.note(line) }
        }
        if let report, report.status == .breakerGaveUp, let retryAt = report.breakerRetryAt {
            console.error(
                "circuit breaker gave up after \(arguments.breaker.maxOpens) trips in a row; run the same command again from \(BreakerText.time(retryAt)) (in \(BreakerText.until(retryAt))) to resume"
            )
        }
        observers.forEach { $0.finish(report, exitCode: code) }
        if let pictured {
            RunPictures(arguments: arguments, console: console).write(
                pictured, succeeded: allDone, resumed: session.plan.isResume)
        }
        return code
    }

    /// Writes `.sdp/history/<feature>.json` after a run that completed every workstream; a
    /// failure is a warning: the run did succeed.
    private func recordHistory(_ checkpoint: Checkpoint, graph: WorkstreamGraph, warn: (String) -> Void) {
        let path = RunHistory.path(featureID: checkpoint.featureID)
        let history = RunHistory.recording(
            checkpoint: checkpoint, graph: graph, exec: arguments.execTemplate, finishedAt: Date())
        do {
            try history.write(to: path)
        } catch {
            warn("could not write the run's history \(path): \(error); the next run may run again what this one did")
        }
    }

    /// `-j`, capped to what the descriptors left allow (each attempt holds a few): running out of
    /// them would fail attempts for oneshot's own reasons. Says so when it caps.
    private func cappedJobs(_ allowed: Int?, warn: (String) -> Void) -> Int {
        guard let allowed, allowed < arguments.jobs else { return arguments.jobs }
        let limit = DescriptorLimit.softLimit.map { " (ulimit -n \($0))" } ?? ""
        warn(
            "-j \(arguments.jobs) capped to \(allowed): the open-file limit\(limit) leaves descriptors for \(allowed) attempts at once"
        )
        return allowed
    }

    /// The one line that says why a run stopped on oneshot's own resources, and what it leaves
    /// unrecorded; `nil` for other ends.
    private func stoppedLine(_ report: RunReport, recorded: Bool) -> String? {
        let grace = DurationText.format(arguments.checkpointGrace)
        switch report.status {
        case .journalFailed where !report.unrecorded.isEmpty && !recorded:
            return
                "nothing could be written to \(CheckpointPaths(featureID: arguments.featureID).folder) for \(grace); outcomes not durably recorded: \(report.unrecorded.joined(separator: ", ")) (a resume runs again those it does not find)"
        case .journalFailed:
            return "nothing could be written to the checkpoint for \(grace); the run stopped launching"
        case .infrastructureFailed:
            return
                "attempts could not be started for \(grace) for oneshot's own reasons (descriptors, processes, disk space); see the warnings above"
        default:
            return nil
        }
    }

    /// With `--json`, the JSON stream goes to stdout and the lines for people to stderr.
    private func makeObservers(
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

    /// The breaker for this run: the checkpoint's, restored with its times clamped, or a new one.
    private func restoredBreaker(_ previous: Checkpoint?) -> CircuitBreaker? {
        guard !arguments.noBreaker else { return nil }
        guard let saved = previous?.circuitBreaker else { return CircuitBreaker(configuration: arguments.breaker) }
        return CircuitBreaker.restoring(saved.saved, configuration: arguments.breaker, now: Date())
    }

    /// Reads the feature's files, builds the graph and the executor; prints every problem. Whether
    /// each workstream has a command is checked once the resume is known (``CommandCheck``).
    private func loadFeature() -> (FeatureID, WorkstreamGraph, any AttemptExecutor)? {
        do {
            let featureID = try FeatureID(validating: arguments.featureID)
            let template = try arguments.execTemplate.map { (text) throws(InputError) in try CommandTemplate(text) }
            let layout: FeatureLoader.Layout =
                arguments.featuresFolder.map { .tagged(root: $0) } ?? .folderPerFeature(root: "features")
            let feature = try FeatureLoader(layout: layout).load(featureID)
            let graph = try WorkstreamGraph(feature.workstreams, satisfiedExternally: feature.satisfiedExternally)
            let refused = arguments.executor.problems(in: feature.workstreams)
            if !refused.isEmpty { throw InputErrors(refused) }
            let executor = arguments.executor.make(
                CommandExecutor(
                    featureID: featureID.rawValue, template: template,
                    logFolder: ".sdp/logs/\(featureID.rawValue)", terminationGrace: arguments.grace
                ))
            return (featureID, graph, executor)
        } catch let error as InputErrors {
            error.errors.forEach { console.error($0.description) }
        } catch {
            console.error("\(error)")
        }
        return nil
    }

    private enum Outcome: Sendable {
        case finished(RunReport)
        case signal(Int32)
        case watcherEnded
    }

    private enum RunOutcome: Sendable {
        case report(RunReport)
        case stopRequested
        case ended
    }

    /// Runs the dispatcher beside a signal watcher. A first SIGINT, SIGTERM, SIGHUP or SIGQUIT
    /// stops the run gracefully: its commands get SIGTERM, then SIGKILL after `--grace`, and it
    /// returns its report. A second one throws the kill switch: the commands get SIGKILL at once,
    /// and the report (and so the checkpoint) follows without waiting out the grace.
    private func runUntilSignal(
        _ dispatcher: Dispatcher, executor: any AttemptExecutor, observers: [any RunObserver], killSwitch: KillSwitch
    ) async -> (RunReport?, Int32?) {
        let signals = SignalWatcher.signals(Self.stopSignals, restoringDispositions: false)
        let (stopRequests, requestStop) = AsyncStream<Void>.makeStream()
        return await withTaskGroup(of: Outcome.self) { group in
            group.addTask {
                .finished(
                    await run(
                        dispatcher, executor: executor, observers: observers, stopRequests: stopRequests, killSwitch: killSwitch)
                )
            }
            group.addTask { await Self.nextSignal(signals) }
            // The status line's clock and SIGWINCH redraws go on while the run stops, until the
            // report: the line says what the stop waits for instead of freezing.
            group.addTask { await Self.tick(observers) }
            group.addTask { await Self.redrawOnResize(observers) }
            var report: RunReport?
            var received: Int32?
            while let outcome = await group.next() {
                switch outcome {
                case .finished(let result):
                    report = result
                    group.cancelAll()
                case .signal(let number) where received == nil:
                    received = number
                    observers.forEach {
                        $0.warning(
                            "received \(Self.name(of: number)): stopping running workstreams (a second signal kills them at once)"
                        )
                    }
                    requestStop.yield()
                    requestStop.finish()
                    observers.forEach { $0.stopping(grace: arguments.grace) }
                    group.addTask { await Self.nextSignal(signals) }
                case .signal(let number):
                    observers.forEach {
                        $0.warning(
                            "received \(Self.name(of: number)) while stopping: killing running workstreams now, without the rest of --grace; the checkpoint is still saved"
                        )
                    }
                    killSwitch.throwSwitch()
                    observers.forEach { $0.stopping(grace: .zero) }
                    group.addTask { await Self.nextSignal(signals) }
                case .watcherEnded:
                    break
                }
            }
            return (report, received)
        }
    }

    /// The dispatcher's run, which a stop request cancels.
    private func run(
        _ dispatcher: Dispatcher, executor: any AttemptExecutor, observers: [any RunObserver], stopRequests: AsyncStream<Void>,
        killSwitch: KillSwitch
    ) async -> RunReport {
        await KillSwitch.$current.withValue(killSwitch) {
            await withTaskGroup(of: RunOutcome.self) { group in
                group.addTask {
                    .report(
                        await dispatcher.run(
                            executor: { try await executor($0, $1) },
                            onEvent: { event in
                                observers.forEach { $0.handle(event) }
                                if case .workstreamFinished(let attempt) = event, let warning = attempt.result?.warning {
                                    observers.forEach { $0.warning(warning) }
                                }
                            }
                        )
                    )
                }
                group.addTask {
                    for await _ in stopRequests { return .stopRequested }
                    return .ended
                }
                var report: RunReport?
                while let outcome = await group.next() {
                    switch outcome {
                    case .report(let result):
                        report = result
                        group.cancelAll()
                    case .stopRequested:
                        group.cancelAll()
                    case .ended:
                        break
                    }
                }
                // The dispatcher's task always returns its report, cancelled or not.
                guard let report else { preconditionFailure("Internal inconsistency: the dispatcher returned no report") }
                return report
            }
        }
    }

    /// SIGHUP is left out when the parent ignores it (`nohup`): closing the terminal then must not
    /// stop the run.
    private static var stopSignals: [Int32] {
        [SIGINT, SIGTERM, SIGQUIT] + (SignalWatcher.isIgnored(SIGHUP) ? [] : [SIGHUP])
    }

    /// Moves the live status line's clock once a second; ends when the run does (cancellation).
    private static func tick(_ observers: [any RunObserver]) async -> Outcome {
        while (try? await Task.sleep(for: .seconds(1))) != nil {
            observers.forEach { $0.tick() }
        }
        return .watcherEnded
    }

    /// Redraws the status line when the terminal is resized, to its new width.
    private static func redrawOnResize(_ observers: [any RunObserver]) async -> Outcome {
        for await _ in SignalWatcher.signals([SIGWINCH]) {
            observers.forEach { $0.tick() }
        }
        return .watcherEnded
    }

    private static func nextSignal(_ signals: AsyncStream<Int32>) async -> Outcome {
        for await number in signals { return .signal(number) }
        return .watcherEnded
    }

    private static func name(of signal: Int32) -> String {
        switch signal {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        case SIGQUIT: "SIGQUIT"
        default: "signal \(signal)"
        }
    }

    private func exitCode(for report: RunReport?, signal: Int32?) -> ExitCode {
        if let signal, report?.status != .succeeded {
            switch signal {
            case SIGINT: return .interrupted
            case SIGHUP: return .hangUp
            case SIGQUIT: return .quit
            default: return .terminated
            }
        }
        switch report?.status {
        case .succeeded?: return .success
        case .failed?: return .workstreamsFailed
        case .held?: return .heldForDecision
        case .journalFailed?, .infrastructureFailed?: return .checkpointFailed
        case .breakerGaveUp?: return .breakerGaveUp
        case .deadlineReached?: return .deadlineReached
        case .interrupted?, nil: return .interrupted
        }
    }
}
