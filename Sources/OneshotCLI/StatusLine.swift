import Foundation
import Oneshot

/// The live status line as a pure value: the counts the events move, the breaker's wait, a
/// shutdown in progress, and the durations the ETA is made of. ``HumanOutput`` updates it and
/// draws ``text(elapsed:now:width:)``; nothing here reads a clock or writes.
struct StatusLine: Sendable, Equatable {
    var total = 0
    var done = 0
    var running = 0
    var failed = 0
    /// Workstreams not run because a dependency failed: not failures of their own.
    var skipped = 0
    /// While the breaker holds work back: when it probes.
    var breakerUntil: Date?
    /// While nothing can be written to the checkpoint: since when.
    var unwritableSince: Date?
    /// Once a signal stops the run: the grace its running workstreams get (`.zero` once a
    /// second signal kills them).
    var stopping: Duration?
    /// Seconds a successful attempt took, by id: earlier runs', then this run's. Only
    /// successes: an interrupted or failed attempt says nothing of how long the work takes.
    var durations: [String: Double]
    /// Attempts running at once (`-j`).
    var jobs: Int

    init(durations: [String: Double], jobs: Int) {
        self.durations = durations
        self.jobs = max(1, jobs)
    }

    /// Workstreams neither finished nor running.
    var pending: Int { max(0, total - done - running - failed - skipped) }

    /// Remaining work over the slots, from the mean successful duration, after the breaker's
    /// wait (nothing starts before it probes); `nil` when no duration is known.
    func eta(now: Date) -> Duration? {
        guard !durations.isEmpty else { return nil }
        let mean = durations.values.reduce(0, +) / Double(durations.count)
        var seconds = Double(pending + running) * mean / Double(jobs)
        if let until = breakerUntil, until > now { seconds += until.timeIntervalSince(now) }
        return .milliseconds(Int64(seconds * 1000))
    }

    /// The line, cut to `width` columns less one (a line that fills the last column wraps on
    /// some terminals, and every redraw would then leave a copy behind).
    func text(elapsed: Duration, now: Date, width: Int) -> String {
        let line = stopping.map { stoppingText($0, elapsed: elapsed) } ?? progressText(elapsed: elapsed, now: now)
        let room = max(1, width - 1)
        guard line.count > room else { return line }
        return String(line.prefix(max(0, room - 1))) + "…"
    }

    private func progressText(elapsed: Duration, now: Date) -> String {
        var parts = ["\(done)/\(total) done", "\(running) running", "\(failed) failed"]
        if skipped > 0 { parts.append("\(skipped) skipped") }
        parts += ["\(pending) pending", DurationText.format(elapsed)]
        if let until = breakerUntil, until > now {
            parts.append(
                "breaker open, probe in \(DurationText.format(.milliseconds(Int64(until.timeIntervalSince(now) * 1000))))")
        }
        if let since = unwritableSince {
            let age = Duration.milliseconds(Int64(max(0, now.timeIntervalSince(since)) * 1000))
            parts.append("checkpoint unwritable for \(DurationText.format(age)), retrying")
        }
        if let eta = eta(now: now) { parts.append("ETA ~\(DurationText.format(eta))") }
        return parts.joined(separator: " · ")
    }

    private func stoppingText(_ grace: Duration, elapsed: Duration) -> String {
        let what = running == 1 ? "1 workstream" : "\(running) workstreams"
        let how = grace == .zero ? "killing \(what)" : "waiting for \(what) (grace \(DurationText.format(grace)))"
        return "stopping: \(how) · \(DurationText.format(elapsed))"
    }
}
