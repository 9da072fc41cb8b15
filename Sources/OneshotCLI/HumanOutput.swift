import Foundation
import Oneshot
import OneshotSystem
import Synchronization

/// Shows a run to a person: one line per event, stamped with the time since the start so that
/// overlapping workstreams are visible, and a summary table at the end. On a terminal (and not
/// under `CI`) a live status line — done, running, failed, pending, elapsed, ETA — is redrawn
/// below the event lines; colour as `--color` decides (``ColorChoice``).
final class HumanOutput: RunObserver {
    private struct Progress {
        var done = 0
        var running = 0
        var failed = 0
        var skipped = 0
        var total = 0
        var statusShown = false
        var finished = false
        /// While the breaker holds work back: when it probes, for the countdown.
        var breakerUntil: Date?
        /// While nothing can be written to the checkpoint: since when, for the status line.
        var unwritableSince: Date?
        /// Once a signal stops the run: the grace its workstreams get (`.zero`: killed now).
        var stopping: Duration?
        /// This run's successful durations in seconds, by id, for the ETA.
        var succeeded: [String: Double] = [:]
    }

    private let console: Console
    private let featureID: String
    private let titles: [String: String]
    private let estimates: [String: Double]
    private let jobs: Int
    private let live: Bool
    private let colour: Bool
    /// `-q`: only failures, warnings and the summary.
    private let quiet: Bool
    private let start = ContinuousClock.now
    private let progress = Mutex(Progress())
    /// Held while writing, so the ticking status line never lands inside an event's lines.
    private let writing = Mutex(())

    /// - Parameters:
    ///   - colour: whether lines carry colour (``ColorChoice``).
    ///   - quiet: `-q`: only failures, warnings and the summary.
    init(
        console: Console, featureID: String, graph: WorkstreamGraph, estimates: [String: Double], jobs: Int, colour: Bool,
        quiet: Bool = false
    ) {
        self.console = console
        self.quiet = quiet
        self.featureID = featureID
        self.titles = Dictionary(
            graph.workstreams.compactMap { ws in ws.title.map { (ws.id, $0) } }, uniquingKeysWith: { first, _ in first }
        )
        self.estimates = estimates
        self.jobs = jobs
        let environment = ProcessInfo.processInfo.environment
        let terminal = Syscall.isTerminal(console.outputFD) && environment["TERM"] != "dumb"
        live = terminal && environment["CI"] == nil && !quiet
        self.colour = colour
    }

    func handle(_ event: RunEvent) {
        writing.withLock { _ in show(event) }
    }

    private func show(_ event: RunEvent) {
        switch event {
        case .runStarted(let start):
            progress.withLock {
                $0.total = start.total
                $0.done = start.alreadyDone
            }
            var line = "oneshot \(featureID): \(plural(start.total, "workstream")), -j \(start.maxConcurrency)"
            if start.alreadyDone > 0 { line += ", \(start.alreadyDone) already done" }
            if !quiet { print(line) }
        case let .workstreamStarted(id, attempt):
            progress.withLock { $0.running += 1 }
            let title = titles[id].map { "  \($0)" } ?? ""
            let retry = attempt > 1 ? " (attempt \(attempt))" : ""
            if !quiet { emit("▶ \(id) started\(retry)\(title)") }
        case .workstreamFinished(let report):
            progress.withLock { progress in
                progress.running -= 1
                if report.status == .succeeded {
                    progress.done += 1
                    progress.succeeded[report.id] = report.duration.inSeconds
                }
                if report.retryIn == nil && (report.status == .failed || report.status == .timedOut) { progress.failed += 1 }
            }
            finished(report)
        case let .workstreamSkipped(id, blockedBy):
            progress.withLock { $0.skipped += 1 }
            emit(paint("⊘", 33) + " \(id) skipped: blocked by \(blockedBy)")
        case .breakerChanged(let transition):
            if transition.to != .open { progress.withLock { $0.breakerUntil = nil } }
            emit(paint(BreakerText.transition(transition), 33))
        case .breakerWaiting(let until):
            progress.withLock { $0.breakerUntil = until }
            emit(
                "⏸ breaker open: ready workstreams wait; next probe at \(BreakerText.time(until)) (in \(BreakerText.until(until)))"
            )
        case .journalCommitted:
            let since = progress.withLock { progress in
                defer { progress.unwritableSince = nil }
                return progress.unwritableSince
            }
            if let since {
                emit("✓ checkpoint written again after \(age(since)) unwritable")
            }
        case let .journalUnwritable(message, unrecorded, since, retryIn):
            let first = progress.withLock { progress in
                defer { progress.unwritableSince = since }
                return progress.unwritableSince == nil
            }
            // One warning; the retries show on the status line.
            if first {
                clearStatus()
                let waiting = unrecorded.isEmpty ? "" : "; outcomes not yet durable: \(unrecorded.joined(separator: ", "))"
                console.warning(
                    "\(message); nothing new starts until it can be written (retrying, first in \(DurationText.format(retryIn)))\(waiting)"
                )
            }
        case let .infrastructureFailed(id, attempt, message, retryIn):
            progress.withLock { $0.running -= 1 }
            let retry = retryIn.map { "; retry in \(DurationText.format($0))" } ?? "; not retried, the run stops"
            emit(
                paint("⚠", 33)
                    + " \(id) attempt \(attempt) not started: oneshot's own error, not the workstream's (\(message))\(retry)")
        case let .journalFailed(message, stopsRun):
            clearStatus()
            console.warning(stopsRun ? "\(message); stopping the run" : "\(message); the run goes on")
        case .runFinished(let report):
            clearStatus()
            progress.withLock { $0.finished = true }
            summary(report)
        }
        drawStatus()
    }

    /// Redraws the live status line, so its clock moves between events.
    func tick() {
        writing.withLock { _ in drawStatus() }
    }

    func finish(_ report: RunReport?, exitCode: ExitCode) {}

    func stopping(grace: Duration) {
        writing.withLock { _ in
            progress.withLock { $0.stopping = grace }
            drawStatus()
        }
    }

    func resume(_ plan: ResumePlan, previous: Checkpoint?, graph: WorkstreamGraph) {
        guard !quiet else { return }
        let lines = ResumeReport(
            plan: plan, previous: previous, graph: graph, logFolder: ".sdp/logs/\(featureID)", knownDurations: estimates
        ).lines()
        writing.withLock { _ in lines.forEach(print) }
    }

    func note(_ message: String) {
        guard !quiet else { return }
        writing.withLock { _ in print(message) }
    }

    /// Lines of the workstreams' output (`-v`), each whole, between the event lines.
    func streamed(_ lines: [String]) {
        writing.withLock { _ in
            lines.forEach(print)
            drawStatus()
        }
    }

    func warning(_ message: String) {
        writing.withLock { _ in
            clearStatus()
            console.warning(message)
        }
    }

    private func finished(_ report: AttemptReport) {
        let took = DurationText.format(report.duration)
        switch report.status {
        case .succeeded:
            if !quiet { emit(paint("✓", 32) + " \(report.id) done in \(took)") }
        case .failed, .timedOut:
            let why = report.status == .timedOut ? "timed out" : report.result?.exitCode.map { "exit \($0)" } ?? "error"
            var line = paint("✗", 31) + " \(report.id) failed (\(why)) after \(took)"
            if let log = report.result?.logPath { line += " · log \(log)" }
            if let retryIn = report.retryIn { line += " · retry in \(DurationText.format(retryIn))" }
            emit(line)
            if let detail = report.result?.detail, !detail.isEmpty {
                for detailLine in detail.split(separator: "\n", omittingEmptySubsequences: false).suffix(10) {
                    print("           │ \(detailLine)")
                }
            }
        case .interrupted:
            emit("■ \(report.id) interrupted after \(took)")
        case .uncertain:
            emit(
                paint("?", 33)
                    + " \(report.id) ended after \(took) without leaving its exit status (killed, or replaced by exec): outcome unknown; it stays UNCERTAIN for the next run, which holds it unless it is idempotent"
            )
            // What the executor knew of it: the scheduler that stopped its job, a process not stopped.
            if let detail = report.result?.detail, !detail.isEmpty { print("           │ \(detail)") }
        }
    }

    private func summary(_ report: RunReport) {
        let width = max(10, report.results.map(\.id.count).max() ?? 0)
        let states = report.results.map { result in
            result.state.rawValue.replacingOccurrences(of: "_", with: " ") + (result.blockedBy.map { " (by \($0))" } ?? "")
        }
        // As wide as the longest, `skipped (by PAY-08)` included: the columns stay aligned.
        let stateWidth = max(13, states.map(\.count).max() ?? 0)
        print("")
        print("\("WORKSTREAM".padding(to: width))  \("RESULT".padding(to: stateWidth))  ATTEMPTS  TIME")
        for (result, state) in zip(report.results, states) {
            let time = result.lastAttempt != nil ? DurationText.format(result.duration) : "-"
            print(
                "\(result.id.padding(to: width))  \(state.padding(to: stateWidth))  \(String(result.attempts).padding(to: 8))  \(time)"
            )
        }
        let parts = [
            ("succeeded", report.count(.succeeded)), ("already done", report.count(.alreadyDone)),
            ("failed", report.count(.failed)), ("skipped", report.count(.skipped)),
            ("interrupted", report.count(.interrupted)), ("uncertain", report.count(.uncertain)), ("held", report.count(.held)),
            ("not run", report.count(.notRun)),
        ].filter { $0.1 > 0 }.map { "\($0.1) \($0.0)" }
        let status = report.status.rawValue.replacingOccurrences(of: "_", with: " ")
        print("\(status): \(parts.joined(separator: ", ")) in \(DurationText.format(report.elapsed))")
    }

    private func emit(_ text: String) {
        let stamp = DurationText.format(ContinuousClock.now - start)
        print("[\(String(repeating: " ", count: max(0, 7 - stamp.count)))\(stamp)] \(text)")
    }

    /// Prints a line, first clearing the live status line if one is shown.
    private func print(_ line: String) {
        clearStatus()
        console.out(line)
    }

    private func clearStatus() {
        guard live, progress.withLock({ $0.statusShown }) else { return }
        console.raw("\r\u{1B}[2K")
        progress.withLock { $0.statusShown = false }
    }

    private func drawStatus() {
        guard live else { return }
        let snapshot = progress.withLock { $0 }
        guard snapshot.total > 0, !snapshot.finished else { return }
        var line = StatusLine(durations: estimates.merging(snapshot.succeeded) { _, now in now }, jobs: jobs)
        line.total = snapshot.total
        line.done = snapshot.done
        line.running = snapshot.running
        line.failed = snapshot.failed
        line.skipped = snapshot.skipped
        line.breakerUntil = snapshot.breakerUntil
        line.unwritableSince = snapshot.unwritableSince
        line.stopping = snapshot.stopping
        let text = line.text(elapsed: ContinuousClock.now - start, now: Date(), width: columns())
        console.raw("\r\u{1B}[2K" + paint(text, 2))
        progress.withLock { $0.statusShown = true }
    }

    /// The terminal's width, read at each redraw so that a resize (SIGWINCH) takes effect:
    /// `COLUMNS` when set, as `ls` has it, else the terminal's own, else 80.
    private func columns() -> Int {
        if let text = ProcessInfo.processInfo.environment["COLUMNS"], let columns = Int(text), columns > 0 { return columns }
        return Syscall.terminalColumns(console.outputFD) ?? 80
    }

    /// The time since `date`, as `12s`.
    private func age(_ date: Date) -> String {
        DurationText.format(.milliseconds(Int64(max(0, -date.timeIntervalSinceNow) * 1000)))
    }

    private func paint(_ text: String, _ code: Int) -> String {
        colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
