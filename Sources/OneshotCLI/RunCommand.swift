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
        if let code = ProjectRoot.enter(arguments.projectRoot, reportingTo: console) { return code }
        let startedAt = Date()
        let recorded = arguments.fresh || arguments.force ? nil : RunSettings.recorded(featureID: arguments.featureID)
        let resumed: RunSettings.Resumed
        do {
            resumed = try arguments.merge(
                recorded: recorded, checkpoint: CheckpointPaths(featureID: arguments.featureID).checkpoint)
            arguments.featuresFolder = arguments.featuresFolder.map(ProjectRoot.relative)
        } catch {
            error.messages.forEach { console.error($0) }
            console.hint("see 'oneshot help config'")
            return ExitCode(error)
        }
        if arguments.dryRun {
            let format: PlanCommand.Format = arguments.json ? .json : .text
            return PlanCommand(
                featureID: arguments.featureID, featuresFolder: arguments.featuresFolder, projectRoot: nil, format: format,
                console: console, execTemplate: arguments.execTemplate, selection: arguments.selection
            ).execute()
        }
        // Counted before the run opens its own: the reserve covers those.
        let attemptsAllowed = DescriptorLimit.attemptsAllowed()
        let (featureRun, executor): (FeatureRun, any AttemptExecutor)
        let (selection, selected): (TargetSelection, FeatureRun)
        do {
            (featureRun, executor) = try loadFeature(startedAt: startedAt, attemptsAllowed: attemptsAllowed)
            (selection, selected) = try select(featureRun)
        } catch {
            console.error(error)
            return ExitCode(error)
        }
        if attemptsAllowed == 0 {
            let limit = DescriptorLimit.softLimit.map(String.init) ?? "?"
            console.error("the open-file limit (ulimit -n \(limit)) leaves no descriptors for an attempt; raise it")
            return .checkpointFailed
        }
        let observers = RunObservers()
        let context = RunContext(
            featureRun: selected, selection: selection, resumed: resumed, executor: executor.commands,
            capped: cappedJobsNote(attemptsAllowed))
        let result = await run(context, executor: executor, observers: observers)
        switch result {
        case .failure(let failure):
            return refused(failure)
        case .success(let (outcome, signal)):
            return finish(outcome, signal: signal, context: context, observers: observers)
        }
    }

    /// How the library's run ended, with the signal that stopped it; or why it could not start.
    typealias RunResult = Result<(FeatureRun.Outcome, Int32?), FeatureRun.Failure>

    /// What the run's handlers need besides the arguments.
    struct RunContext: Sendable {
        let featureRun: FeatureRun
        let selection: TargetSelection
        let resumed: RunSettings.Resumed
        let executor: CommandExecutor
        let capped: String?
        var featureID: String { featureRun.featureID.rawValue }
        var graph: WorkstreamGraph { featureRun.graph }
    }

    /// The library's run beside the signal watch, the status line's clock and its redraws on
    /// SIGWINCH (they go on while the run stops: the line says what the stop waits for).
    private func run(
        _ context: RunContext, executor: any AttemptExecutor, observers: RunObservers
    ) async -> RunResult {
        let command = self
        return await withTaskGroup(of: RunResult?.self) { group in
            group.addTask {
                do throws(FeatureRun.Failure) {
                    let (outcome, signal) = try await SignalCancellation.run(
                        restoringDispositions: false, onSignal: { command.signalled($0, $1, observers: observers) }
                    ) { () throws(FeatureRun.Failure) in
                        try await context.featureRun.run(executor: executor) {
                            command.handle($0, context: context, observers: observers)
                        }
                    }
                    return .success((outcome, signal))
                } catch {
                    return .failure(error)
                }
            }
            group.addTask { await Self.tick(observers) }
            group.addTask { await Self.redrawOnResize(observers) }
            var result: RunResult?
            while let next = await group.next() {
                guard let next else { continue }
                result = next
                group.cancelAll()
            }
            guard let result else { preconditionFailure("Internal inconsistency: the run returned nothing") }
            return result
        }
    }

    /// The lines and the exit code of a run that could not start.
    private func refused(_ failure: FeatureRun.Failure) -> ExitCode {
        switch failure {
        case .locked(let lock):
            console.error(lock.description)
        case .checkpointUnusable:
            console.error(failure.description)
        case .missingCommand(let workstreams):
            for workstream in workstreams {
                let place = workstream.source.map { "\($0): " } ?? ""
                console.error("\(place)workstream \(workstream.id) has no 'run:' command and no --exec template was given")
            }
        case .dependencyNotDone(let id, let dependency):
            console.error(TargetSelection.refusal(id, dependency: dependency))
        case .invalidFeature(let errors):
            errors.errors.forEach { console.error($0.description) }
        case .unknownWorkstream:
            console.error(failure.description)
        }
        return ExitCode(failure)
    }

    /// After the run: what awaits a decision, where the checkpoint is, why it stopped, the
    /// pictures; the exit code.
    private func finish(
        _ outcome: FeatureRun.Outcome, signal: Int32?, context: RunContext, observers: RunObservers
    ) -> ExitCode {
        let paths = context.featureRun.paths
        switch outcome.ending {
        case .stoppedWhileVerifying:
            // Said as a run stopped by a signal says it: it ended before any summary.
            console.error(
                "received \(Self.name(of: signal ?? SIGINT)) while verifying: the verify command was stopped; "
                    + (outcome.checkpointFailure == nil
                        ? "checkpoint saved: \(paths.checkpoint); run the same command to resume"
                        : "the checkpoint could not be saved"))
            let code = ExitCode(signal: signal ?? SIGINT)
            observers.forEach { $0.finish(nil, exitCode: code) }
            return code
        case .verifyNotStarted(let message):
            console.error("\(message): the run stopped at once, nothing launched")
            observers.forEach { $0.finish(nil, exitCode: .checkpointFailed) }
            return .checkpointFailed
        case .upToDate:
            if let history = outcome.history {
                let line = HistoryText.upToDate(context.featureID, history: history.history, total: context.graph.count)
                observers.note(context.selection.scope == nil ? line : context.selection.upToDateLine(history))
            }
            return .success
        case .breakerOpen(let until):
            console.error("circuit breaker is open until \(BreakerText.time(until)); run again then (--no-wait)")
            for record in outcome.plan.adopted {
                // The ADOPTED line said it would wait: it does not, and nothing is stopped.
                console.error(
                    "\(record.id): attempt \(record.attempt) left running, not waited for; the next run adopts it again")
            }
            observers.forEach { $0.finish(nil, exitCode: .breakerGaveUp) }
            return .breakerGaveUp
        case .ran:
            return finishRun(outcome, signal: signal, context: context, observers: observers)
        }
    }

    private func finishRun(
        _ outcome: FeatureRun.Outcome, signal: Int32?, context: RunContext, observers: RunObservers
    ) -> ExitCode {
        let report = outcome.report
        let held = HeldReport(
            plan: outcome.plan, report: report, graph: context.graph, executor: context.executor,
            release: HeldReport.releaseCommand(arguments))
        held.lines().forEach(observers.note)
        let allDone = outcome.featureDone
        var code = ExitCode(status: report?.status, signal: signal)
        if let failure = outcome.checkpointFailure {
            observers.warning("could not \(allDone ? "remove" : "save") the checkpoint: \(failure)")
            if arguments.strictCheckpoint { code = .checkpointFailed }
        } else if !allDone {
            let checkpoint = context.featureRun.paths.checkpoint
            observers.note(
                report?.status == .succeeded
                    ? context.selection.unfinishedLine(context.featureID, checkpoint: checkpoint)
                    : "checkpoint saved: \(checkpoint); run the same command to resume")
        }
        if let failure = outcome.historyFailure {
            observers.warning(
                "could not write the run's history \(context.featureRun.historyPath): \(failure); the checkpoint is kept, so the next run finds this one's work done"
            )
        }
        if let report { stopped(report, outcome: outcome, context: context, observers: observers) }
        observers.forEach { $0.finish(report, exitCode: code) }
        if arguments.tracePath != nil || arguments.report {
            RunPictures(arguments: arguments, console: console).write(
                outcome.checkpoint, succeeded: allDone, resumed: outcome.plan.isResume)
        }
        return code
    }

    /// Why the run stopped, when it did for its resources, its deadline or its breaker.
    private func stopped(
        _ report: RunReport, outcome: FeatureRun.Outcome, context: RunContext, observers: RunObservers
    ) {
        if let line = stoppedLine(report, recorded: outcome.checkpointFailure == nil) {
            console.error(line)
        }
        if report.status == .deadlineReached {
            observers.note(
                DeadlineText.stopped(
                    report, deadline: context.featureRun.options.deadline, knownDurations: outcome.knownDurations))
        }
        if report.status == .breakerGaveUp, let retryAt = report.breakerRetryAt {
            console.error(
                "circuit breaker gave up after \(BreakerText.trips(arguments.breaker.maxOpens)) in a row; run the same command again from \(BreakerText.time(retryAt)) (in \(BreakerText.until(retryAt))) to resume"
            )
        }
    }

    /// `-j`, capped to what the descriptors left allow (each attempt holds a few): running out of
    /// them would fail attempts for oneshot's own reasons. The line that says so, when it caps.
    private func cappedJobsNote(_ allowed: Int?) -> String? {
        guard let allowed, allowed < arguments.jobs else { return nil }
        let limit = DescriptorLimit.softLimit.map { " (ulimit -n \($0))" } ?? ""
        return
            "-j \(arguments.jobs) capped to \(allowed): the open-file limit\(limit) leaves descriptors for \(allowed) attempts at once"
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
            if let lasting = report.lastingLaunchError { return "\(lasting); waiting would not mend it: the run stopped at once" }
            return
                "attempts could not be started for \(grace) for oneshot's own reasons (descriptors, processes, disk space); see the warnings above"
        default:
            return nil
        }
    }

    /// The run's settings, as the library takes them.
    private func options(startedAt: Date, attemptsAllowed: Int?) -> FeatureRun.Options {
        FeatureRun.Options(
            featuresFolder: arguments.featuresFolder, maxConcurrency: min(arguments.jobs, attemptsAllowed ?? arguments.jobs),
            defaultRetries: arguments.retries, defaultTimeout: arguments.timeout,
            checkpointGrace: arguments.checkpointGrace, deadline: arguments.deadline?.date(from: startedAt),
            failFast: arguments.failFast, breaker: arguments.noBreaker ? nil : arguments.breaker,
            waitsForOpenBreaker: !arguments.noWait, fresh: arguments.fresh || arguments.force,
            ignoresHistory: arguments.force, rerunUncertain: arguments.rerunUncertain,
            killOrphans: arguments.killOrphans, strictCheckpoint: arguments.strictCheckpoint,
            threading: .dedicatedThread, settings: RunSettings.record(arguments))
    }

    /// Reads the feature's files, builds the graph and the executor. Whether each workstream has
    /// a command is checked once the resume is known (by the run).
    private func loadFeature(startedAt: Date, attemptsAllowed: Int?) throws -> (FeatureRun, any AttemptExecutor) {
        let featureID = try FeatureID(validating: arguments.featureID)
        let template = try arguments.execTemplate.map { (text) throws(InputError) in try CommandTemplate(text) }
        let featureRun = try FeatureRun(
            featureID: featureID.rawValue, options: options(startedAt: startedAt, attemptsAllowed: attemptsAllowed))
        let refused = arguments.executor.problems(in: featureRun.feature.workstreams)
        if !refused.isEmpty { throw InputErrors(refused) }
        var commands = CommandExecutor(
            featureID: featureID.rawValue, template: template,
            logFolder: ".sdp/logs/\(featureID.rawValue)", terminationGrace: arguments.grace
        )
        commands.parksShells = true
        let executor = arguments.executor.make(commands)
        return (featureRun, executor)
    }

    /// Moves the live status line's clock once a second; ends when the run does (cancellation).
    private static func tick(_ observers: RunObservers) async -> RunResult? {
        while (try? await Task.sleep(for: .seconds(1))) != nil {
            observers.tick()
        }
        return nil
    }

    /// Redraws the status line when the terminal is resized, to its new width.
    private static func redrawOnResize(
        _ observers: RunObservers
    ) async -> RunResult? {
        for await _ in SignalWatcher.signals([SIGWINCH]) {
            observers.tick()
        }
        return nil
    }

    static func name(of signal: Int32) -> String {
        switch signal {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        case SIGQUIT: "SIGQUIT"
        default: "signal \(signal)"
        }
    }
}
