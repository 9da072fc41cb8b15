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
        do {
            try ConfigFile.apply(to: &arguments)
            try arguments.validate()
        } catch {
            console.error(error.message)
            console.hint("see 'oneshot help config'")
            return .invalidInput
        }
        if arguments.dryRun {
            let format: PlanCommand.Format = arguments.json ? .json : .text
            return PlanCommand(
                featureID: arguments.featureID, featuresFolder: arguments.featuresFolder, projectRoot: nil, format: format,
                console: console
            ).execute()
        }
        guard let (featureID, graph, executor) = loadFeature() else { return .invalidInput }
        let paths = CheckpointPaths(featureID: featureID.rawValue)
        let session: CheckpointSession
        do {
            session = try CheckpointSession.open(
                graph: graph, paths: paths, fresh: arguments.fresh, rerunUncertain: arguments.rerunUncertain,
                strict: arguments.strictCheckpoint, orphans: executor.orphanHandling(killRunning: arguments.killOrphans)
            )
        } catch {
            console.error(error.description)
            if case .locked = error { return .locked }
            return .checkpointFailed
        }
        let observers = makeObservers(featureID: featureID.rawValue, graph: graph, plan: session.plan, paths: paths)
        let warn: (String) -> Void = { message in observers.forEach { $0.warning(message) } }
        session.warnings.forEach(warn)
        if session.plan.isResume {
            observers.forEach { $0.resume(session.plan, previous: session.previous, graph: graph) }
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
        spawning.onSpawn = { id, attempt, child in
            store.processStarted(id: id, attempt: attempt, pid: child.pid, startTime: child.startTime)
        }
        let options = DispatchOptions(
            maxConcurrency: arguments.jobs, defaultRetries: arguments.retries, defaultTimeout: arguments.timeout,
            knownDurations: session.plan.knownDurations, alreadyCompleted: session.plan.completed,
            held: session.plan.held,
            adopted: session.plan.adopted.compactMap { record in
                graph.node(record.id).map { executor.adopt(record, of: graph.workstreams[$0]) }
            },
            outputsRoot: ".", breaker: breaker, threading: .dedicatedThread
        )
        let dispatcher = Dispatcher(graph: graph, options: options, journal: store)
        let (report, signal) = await runUntilSignal(dispatcher, executor: spawning, observers: observers)
        for held in session.plan.uncertain where !held.willRerun {
            warn(
                "\(held.record.id) was running when an earlier run stopped and is not idempotent: check its log (\(executor.logPath(for: held.record.id))) to see whether it finished; then mark it 'status: completed' or run again with --rerun-uncertain"
            )
        }
        let allDone = report.map { $0.status == .succeeded } ?? false
        var code = exitCode(for: report, signal: signal)
        do {
            try session.finish(allDone: allDone)
            if !allDone {
                observers.forEach { $0.note("checkpoint saved: \(paths.checkpoint); run the same command to resume") }
            }
        } catch {
            warn("could not \(allDone ? "remove" : "save") the checkpoint: \(error)")
            if arguments.strictCheckpoint { code = .checkpointFailed }
        }
        if let report, report.status == .breakerGaveUp, let retryAt = report.breakerRetryAt {
            console.error(
                "circuit breaker gave up after \(arguments.breaker.maxOpens) trips in a row; run the same command again from \(BreakerText.time(retryAt)) (in \(BreakerText.until(retryAt))) to resume"
            )
        }
        observers.forEach { $0.finish(report, exitCode: code) }
        return code
    }

    /// With `--json`, the JSON stream goes to stdout and the lines for people to stderr.
    private func makeObservers(featureID: String, graph: WorkstreamGraph, plan: ResumePlan, paths: CheckpointPaths)
        -> [any RunObserver]
    {
        var humanConsole = console
        if arguments.json { humanConsole.outputFD = 2 }
        let human = HumanOutput(
            console: humanConsole, featureID: featureID, graph: graph, estimates: plan.knownDurations, jobs: arguments.jobs
        )
        guard arguments.json else { return [human] }
        let json = JSONEventOutput(
            console: console, featureID: featureID, checkpointPath: paths.checkpoint, resumed: plan.isResume)
        return [json, human]
    }

    /// The breaker for this run: the checkpoint's, restored with its times clamped, or a new one.
    private func restoredBreaker(_ previous: Checkpoint?) -> CircuitBreaker? {
        guard !arguments.noBreaker else { return nil }
        guard let saved = previous?.circuitBreaker else { return CircuitBreaker(configuration: arguments.breaker) }
        return CircuitBreaker.restoring(saved.saved, configuration: arguments.breaker, now: Date())
    }

    /// Reads the feature's files, builds the graph and the executor; prints every problem.
    private func loadFeature() -> (FeatureID, WorkstreamGraph, CommandExecutor)? {
        do {
            let featureID = try FeatureID(validating: arguments.featureID)
            let template = try arguments.execTemplate.map { (text) throws(InputError) in try CommandTemplate(text) }
            let layout: FeatureLoader.Layout =
                arguments.featuresFolder.map { .tagged(root: $0) } ?? .folderPerFeature(root: "features")
            let feature = try FeatureLoader(layout: layout).load(featureID)
            let graph = try WorkstreamGraph(feature.workstreams, satisfiedExternally: feature.satisfiedExternally)
            let executor = CommandExecutor(
                featureID: featureID.rawValue, template: template,
                logFolder: ".sdp/logs/\(featureID.rawValue)", terminationGrace: arguments.grace
            )
            let missing = executor.workstreamsWithoutCommand(graph.workstreams)
            for workstream in missing {
                let place = workstream.source.map { "\($0): " } ?? ""
                console.error("\(place)workstream \(workstream.id) has no 'run:' command and no --exec template was given")
            }
            return missing.isEmpty ? (featureID, graph, executor) : nil
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
        case tickerEnded
    }

    /// Runs the dispatcher beside a signal watcher; SIGINT or SIGTERM cancels the run, which then
    /// stops its commands and returns its report.
    private func runUntilSignal(
        _ dispatcher: Dispatcher, executor: CommandExecutor, observers: [any RunObserver]
    ) async -> (RunReport?, Int32?) {
        let signals = SignalWatcher.signals([SIGINT, SIGTERM])
        return await withTaskGroup(of: Outcome.self) { group in
            group.addTask {
                .finished(
                    await dispatcher.run(
                        executor: { try await executor($0, $1) },
                        onEvent: { event in observers.forEach { $0.handle(event) } }
                    )
                )
            }
            group.addTask {
                for await number in signals { return .signal(number) }
                return .watcherEnded
            }
            group.addTask {
                // Moves the live status line's clock; ends when the run does (cancellation).
                while (try? await Task.sleep(for: .seconds(1))) != nil {
                    observers.forEach { $0.tick() }
                }
                return .tickerEnded
            }
            var report: RunReport?
            var received: Int32?
            while let outcome = await group.next() {
                switch outcome {
                case .finished(let result):
                    report = result
                    group.cancelAll()
                case .signal(let number):
                    received = number
                    let name = number == SIGINT ? "SIGINT" : "SIGTERM"
                    observers.forEach { $0.warning("received \(name): stopping running workstreams") }
                    group.cancelAll()
                case .watcherEnded, .tickerEnded:
                    break
                }
            }
            return (report, received)
        }
    }

    private func exitCode(for report: RunReport?, signal: Int32?) -> ExitCode {
        if let signal, report?.status != .succeeded {
            return signal == SIGINT ? .interrupted : .terminated
        }
        switch report?.status {
        case .succeeded?: return .success
        case .failed?: return .workstreamsFailed
        case .journalFailed?: return .checkpointFailed
        case .breakerGaveUp?: return .breakerGaveUp
        case .interrupted?, nil: return .interrupted
        }
    }
}
