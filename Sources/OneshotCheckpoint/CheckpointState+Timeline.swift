import Foundation
import OneshotSystem

/// The ``RunTimeline`` a checkpoint keeps: fed by the same journal lines as the rest of the
/// state, so a replay after a crash draws the same picture as the run did.
extension CheckpointState {
    /// Notes when an attempt was launched: the time of its first start line (`time`, or `timeMS`
    /// when the caller has it in milliseconds already).
    mutating func noteLaunch(_ started: InFlightRecord, at time: String, atMS timeMS: Int64? = nil) {
        if let known = launches[started.id], known.attempt == started.attempt, known.run == started.run { return }
        launches[started.id] = Launch(
            attempt: started.attempt, run: started.run,
            startMS: timeMS ?? EpochMilliseconds.parse(time) ?? EpochMilliseconds.now())
    }

    /// Adds the span of an attempt that ended, recorded at `time`; before its in-flight record
    /// goes.
    mutating func noteFinish(_ attempt: FinishedAttempt, at time: String) {
        let startMS: Int64
        if let index = launches.index(forKey: attempt.id), case let launch = launches.values[index],
            launch.attempt == attempt.attempt, launch.run ?? attempt.run == attempt.run
        {
            startMS = launch.startMS
            launches.remove(at: index)
        } else if let running = inFlight[attempt.id], running.attempt == attempt.attempt,
            let started = EpochMilliseconds.parse(running.startedAt)
        {
            // Launched by an earlier run (adopted, or finished meanwhile): its record's time.
            startMS = started
        } else {
            startMS = (EpochMilliseconds.parse(time) ?? EpochMilliseconds.now()) - Int64(max(0, attempt.durationMS))
        }
        spans.append(
            RunTimeline.Span(
                id: attempt.id, attempt: attempt.attempt, run: attempt.run, startMS: startMS,
                durationMS: max(0, attempt.durationMS), status: attempt.status, exitCode: attempt.exitCode,
                costUSD: attempt.costUSD.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }))
    }

    /// Adds a breaker transition when `breaker` is in another state than the one before it, or
    /// opened anew.
    mutating func noteBreaker(_ breaker: BreakerSnapshot, at time: String) {
        let before = timeline.breaker.last?.state ?? self.breaker?.state ?? 0
        // Open again straight after a failed probe: a new open period, a new transition.
        let reopened = breaker.state == 1 && breaker.lastStateChange != self.breaker?.lastStateChange
        guard breaker.state != before || reopened else { return }
        let at = breaker.lastStateChange.flatMap(EpochMilliseconds.parse) ?? EpochMilliseconds.parse(time)
        timeline.breaker.append(
            RunTimeline.BreakerChange(
                atMS: at ?? EpochMilliseconds.now(), state: breaker.state,
                untilMS: breaker.openUntil.flatMap(EpochMilliseconds.parse)
            ))
    }

    /// The timeline as written at `now`: this run's end moved to it. Without its attempts (the
    /// writer splices them in from `spans`).
    func timeline(at now: Date) -> RunTimeline? {
        guard !timeline.runs.isEmpty || spans.count > 0 else { return nil }
        var written = timeline
        if runStart != nil, let last = written.runs.indices.last {
            written.runs[last].endMS = EpochMilliseconds.of(now)
        }
        return written
    }
}

/// An attempt launched and not ended yet, for its span's start.
struct Launch {
    var attempt: Int
    var run: Int?
    var startMS: Int64
}

/// Milliseconds since the Unix epoch, as the timeline stores times.
enum EpochMilliseconds {
    /// `date` in milliseconds.
    static func of(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// Now, in milliseconds.
    static func now() -> Int64 { of(Date()) }

    /// `date` as ``RFC3339/formatMilliseconds(_:)`` writes it, in milliseconds: what ``parse(_:)``
    /// reads back from that text, without writing and parsing it.
    static func ofFormatted(_ date: Date) -> Int64 {
        // As the formatter: microseconds rounded, then truncated (towards the past) to milliseconds.
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        return microseconds >= 0 ? microseconds / 1000 : (microseconds - 999) / 1000
    }

    /// An RFC 3339 time, as ``RFC3339/parse(_:)`` reads it.
    static func parse(_ text: String) -> Int64? {
        RFC3339.parse(text).map(of)
    }
}
