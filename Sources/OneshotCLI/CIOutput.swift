import Foundation
import Oneshot
import OneshotSystem
import Synchronization

/// What a CI log needs beyond the lines for people. Under `CI` without a terminal (no live status
/// line), a heartbeat every `--heartbeat` names the running workstreams and how long each has
/// run, so a long, quiet workstream does not look like a hung job. Under `GITHUB_ACTIONS=true`,
/// a workstream that failed for good also gets an `::error` annotation and its log's last lines
/// in a collapsed `::group::`, and the exit code goes to `$GITHUB_OUTPUT` as `exit-code` for the
/// steps after an `exec oneshot …` step.
final class CIOutput: RunObserver {
    private struct State {
        var total = 0
        var done = 0
        var running: [String: ContinuousClock.Instant] = [:]
        var lastBeat: ContinuousClock.Instant
    }

    /// Log lines shown in a failed workstream's group.
    static let tailLines = 20

    private let console: Console
    private let featureID: String
    private let heartbeat: Duration?
    private let github: Bool
    private let githubOutput: String?
    private let sources: [String: String]
    private let start = ContinuousClock.now
    private let state: Mutex<State>

    /// Whether this run's output is for a CI log: `CI` set and `descriptor` not a terminal.
    static func isCILog(_ descriptor: Int32, environment: [String: String]) -> Bool {
        !(environment["CI"] ?? "").isEmpty && !Syscall.isTerminal(descriptor)
    }

    /// - Parameters:
    ///   - heartbeat: the period of the heartbeat; `nil` for none.
    ///   - environment: read for `GITHUB_ACTIONS` and `GITHUB_OUTPUT`.
    init(
        console: Console, featureID: String, graph: WorkstreamGraph, heartbeat: Duration?, environment: [String: String]
    ) {
        self.console = console
        self.featureID = featureID
        self.heartbeat = heartbeat
        github = environment["GITHUB_ACTIONS"] == "true"
        githubOutput = environment["GITHUB_OUTPUT"].flatMap { $0.isEmpty ? nil : $0 }
        sources = Dictionary(
            graph.workstreams.compactMap { ws in ws.source.map { (ws.id, $0.file) } }, uniquingKeysWith: { first, _ in first })
        state = Mutex(State(lastBeat: start))
    }

    func handle(_ event: RunEvent) {
        switch event {
        case .runStarted(let started):
            state.withLock {
                $0.total = started.total
                $0.done = started.alreadyDone
            }
        case .workstreamStarted(let id, _):
            state.withLock { $0.running[id] = ContinuousClock.now }
        case .workstreamFinished(let report):
            state.withLock {
                $0.running[report.id] = nil
                if report.status == .succeeded { $0.done += 1 }
            }
            if github, report.retryIn == nil, report.status == .failed || report.status == .timedOut {
                annotate(report)
            }
        case .infrastructureFailed(let id, _, _, _):
            state.withLock { $0.running[id] = nil }
        default:
            break
        }
    }

    /// Prints the heartbeat once its period has passed since the last one.
    func tick() {
        guard let heartbeat else { return }
        let now = ContinuousClock.now
        let snapshot: State? = state.withLock { state in
            guard now - state.lastBeat >= heartbeat else { return nil }
            state.lastBeat = now
            return state
        }
        guard let snapshot else { return }
        console.out(stamp(now) + " " + Self.heartbeatLine(snapshot.running, done: snapshot.done, total: snapshot.total, now: now))
    }

    /// `… running: b for 1m00s, c for 12s · 3/5 done`, the longest-running first, at most ten named.
    static func heartbeatLine(
        _ running: [String: ContinuousClock.Instant], done: Int, total: Int, now: ContinuousClock.Instant
    ) -> String {
        let progress = "\(done)/\(total) done"
        guard !running.isEmpty else { return "… nothing running · \(progress)" }
        let ordered = running.sorted { $0.value == $1.value ? $0.key < $1.key : $0.value < $1.value }
        var names = ordered.prefix(10).map { "\($0.key) for \(DurationText.format(now - $0.value))" }
        if ordered.count > 10 { names.append("\(ordered.count - 10) more") }
        return "… running: \(names.joined(separator: ", ")) · \(progress)"
    }

    func finish(_ report: RunReport?, exitCode: ExitCode) {
        guard github, let githubOutput else { return }
        // Appended as the runner expects; a failure only loses the output, not the run's result.
        guard let handle = FileHandle(forWritingAtPath: githubOutput) else {
            console.warning("cannot write to GITHUB_OUTPUT (\(githubOutput)): exit-code is not set for the next steps")
            return
        }
        defer { try? handle.close() }
        _ = try? handle.seekToEnd()
        try? handle.write(contentsOf: Data("exit-code=\(exitCode.rawValue)\n".utf8))
    }

    func resume(_ plan: ResumePlan, previous: Checkpoint?, graph: WorkstreamGraph) {}
    func warning(_ message: String) {}
    func note(_ message: String) {}

    /// The `::error` annotation (on the workstream's file, when known) and the log's last lines
    /// in a group; workflow commands inside the log are switched off for the tail.
    private func annotate(_ report: AttemptReport) {
        let why = report.status == .timedOut ? "timed out" : report.result?.exitCode.map { "exit \($0)" } ?? "error"
        let log = report.result?.logPath
        var properties = ["title=\(Self.escapeProperty("oneshot \(featureID): \(report.id) failed"))"]
        if let file = sources[report.id] { properties.insert("file=\(Self.escapeProperty(file))", at: 0) }
        let message =
            "\(report.id) failed (\(why)) after \(DurationText.format(report.duration))" + (log.map { "; log \($0)" } ?? "")
        var lines = ["::error \(properties.joined(separator: ","))::\(Self.escapeData(message))"]
        if let log {
            let token = "oneshot-\(UUID().uuidString)"
            lines.append("::group::\(report.id): last lines of \(log)")
            lines.append("::stop-commands::\(token)")
            lines += Self.tail(of: log, lines: Self.tailLines)
            lines += ["::\(token)::", "::endgroup::"]
        }
        console.out(lines.joined(separator: "\n"))
    }

    /// The last `count` lines of the file at `path` (its last 64 KiB at most); a line saying so
    /// when it is not a regular file (a FIFO there would block a plain open for good).
    static func tail(of path: String, lines count: Int) -> [String] {
        let fd: Int32?
        do throws(SystemError) {
            fd = try Syscall.openRegularForReading(path)
        } catch {
            return ["(the log cannot be read)"]
        }
        guard let fd else { return ["(the log is not a regular file)"] }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 65_536 ? size - 65_536 : 0)
        let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        // The first line read from the middle of the file is a part of one.
        if size > 65_536, !lines.isEmpty { lines.removeFirst() }
        return Array(lines.suffix(count))
    }

    /// A workflow command's message: `%`, CR and LF escaped, as the runner unescapes them.
    static func escapeData(_ text: String) -> String {
        text.replacingOccurrences(of: "%", with: "%25").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    /// A workflow command's property value: also `:` and `,`, which end it.
    static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacingOccurrences(of: ":", with: "%3A").replacingOccurrences(of: ",", with: "%2C")
    }

    private func stamp(_ now: ContinuousClock.Instant) -> String {
        let text = DurationText.format(now - start)
        return "[\(String(repeating: " ", count: max(0, 7 - text.count)))\(text)]"
    }
}
