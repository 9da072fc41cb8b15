import Foundation
import Oneshot
import OneshotSystem

/// `oneshot F052`: load, validate, run, report. The library does the work; this wires it to the
/// terminal, the signals and the exit code.
struct RunCommand {
    let arguments: RunArguments
    let console: Console

    func execute() async -> ExitCode {
        if let root = arguments.projectRoot, chdir(root) != 0 {
            console.error("cannot use -C \(root): \(SystemError(call: "chdir", path: root, errno: errno).reason)")
            return .invalidInput
        }
        let featureID: FeatureID
        let feature: Feature
        let graph: WorkstreamGraph
        let template: CommandTemplate?
        do {
            featureID = try FeatureID(validating: arguments.featureID)
            template = try arguments.execTemplate.map { (text) throws(InputError) in try CommandTemplate(text) }
            let layout: FeatureLoader.Layout =
                arguments.featuresFolder.map { .tagged(root: $0) } ?? .folderPerFeature(root: "features")
            feature = try FeatureLoader(layout: layout).load(featureID)
            graph = try WorkstreamGraph(feature.workstreams, satisfiedExternally: feature.satisfiedExternally)
        } catch let error as InputErrors {
            error.errors.forEach { console.error($0.description) }
            return .invalidInput
        } catch {
            console.error("\(error)")
            return .invalidInput
        }
        let executor = CommandExecutor(
            featureID: featureID.rawValue, template: template,
            logFolder: ".sdp/logs/\(featureID.rawValue)", terminationGrace: arguments.grace
        )
        let missing = executor.workstreamsWithoutCommand(graph.workstreams)
        if !missing.isEmpty {
            for workstream in missing {
                let place = workstream.source.map { "\($0): " } ?? ""
                console.error("\(place)workstream \(workstream.id) has no 'run:' command and no --exec template was given")
            }
            return .invalidInput
        }
        let options = DispatchOptions(
            maxConcurrency: arguments.jobs, defaultRetries: arguments.retries, defaultTimeout: arguments.timeout
        )
        let titles = Dictionary(
            graph.workstreams.compactMap { ws in ws.title.map { (ws.id, $0) } }, uniquingKeysWith: { a, _ in a })
        let output = HumanOutput(console: console, featureID: featureID.rawValue, titles: titles)
        let dispatcher = Dispatcher(graph: graph, options: options)
        let (report, signal) = await runUntilSignal(dispatcher, executor: executor, output: output)
        return exitCode(for: report, signal: signal)
    }

    private enum Outcome: Sendable {
        case finished(RunReport)
        case signal(Int32)
        case watcherEnded
    }

    /// Runs the dispatcher beside a signal watcher; SIGINT or SIGTERM cancels the run, which then
    /// stops its commands and returns its report.
    private func runUntilSignal(
        _ dispatcher: Dispatcher, executor: CommandExecutor, output: HumanOutput
    ) async -> (RunReport?, Int32?) {
        let signals = SignalWatcher.signals([SIGINT, SIGTERM])
        return await withTaskGroup(of: Outcome.self) { group in
            group.addTask {
                .finished(await dispatcher.run(executor: { try await executor($0, $1) }, onEvent: output.handle))
            }
            group.addTask {
                for await number in signals { return .signal(number) }
                return .watcherEnded
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
                    console.warning("received \(number == SIGINT ? "SIGINT" : "SIGTERM"): stopping running workstreams")
                    group.cancelAll()
                case .watcherEnded:
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
        case .interrupted?, nil: return .interrupted
        }
    }
}
