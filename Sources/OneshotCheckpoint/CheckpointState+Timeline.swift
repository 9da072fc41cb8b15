import Foundation
import OneshotSystem

/// The ``RunTimeline`` a checkpoint keeps: fed by the same journal lines as the rest of the
/// state, so a replay after a crash draws the same picture as the run did.
extension CheckpointState {
    /// Notes when an attempt was launched: the time of its first start line.
    mutating func noteLaunch(_ started: InFlightRecord, at time: String) {
        if let known = launches[started.id], known.attempt == started.attempt, known.run == started.run { return }
        launches[started.id] = Launch(
            attempt: started.attempt, run: started.run, startMS: EpochMilliseconds.parse(time) ?? EpochMilliseconds.now())
    }

    /// Adds the span of an attempt that ended, recorded at `time`; before its in-flight record
    /// goes.
    mutating func noteFinish(_ attempt: FinishedAttempt, at time: String) {
        let startMS: Int64
        if let launch = launches[attempt.id], launch.attempt == attempt.attempt, launch.run ?? attempt.run == attempt.run {
            startMS = launch.startMS
            launches[attempt.id] = nil
        } else if let running = inFlight[attempt.id], running.attempt == attempt.attempt,
            let started = EpochMilliseconds.parse(running.startedAt)
        {
            // Launched by an earlier run (adopted, or finished meanwhile): its record's time.
            startMS = started
        } else {
            startMS = (EpochMilliseconds.parse(time) ?? EpochMilliseconds.now()) - Int64(max(0, attempt.durationMS))
        }
        timeline.attempts.append(
            RunTimeline.Span(
                id: attempt.id, attempt: attempt.attempt, run: attempt.run, startMS: startMS,
                durationMS: max(0, attempt.durationMS), status: attempt.status, exitCode: attempt.exitCode,
                costUSD: attempt.costUSD))
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

    /// The timeline as written at `now`: this run's end moved to it.
    func timeline(at now: Date) -> RunTimeline? {
        guard !timeline.runs.isEmpty || !timeline.attempts.isEmpty else { return nil }
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

    /// An RFC 3339 time: `YYYY-MM-DDTHH:MM:SS[.mmm]Z` (what oneshot writes, read without a
    /// formatter: once per attempt) or any other form ``RFC3339/parse(_:)`` reads.
    static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20 || bytes.count == 24, bytes.last == UInt8(ascii: "Z") else {
            return RFC3339.parse(text).map(of)
        }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let digit = Int64(bytes[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), (1...12).contains(month), (1...31).contains(day)
        else { return RFC3339.parse(text).map(of) }
        let milliseconds = bytes.count == 24 ? number(20..<23) : 0
        guard let milliseconds else { return RFC3339.parse(text).map(of) }
        let days = daysFromCivil(year: year, month: month, day: day)
        return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + milliseconds
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
