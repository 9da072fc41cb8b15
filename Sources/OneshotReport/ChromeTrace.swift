import Foundation
import OneshotCheckpoint
import OneshotSystem

/// A ``RunPicture`` in the Chrome Trace Event format, which Perfetto (ui.perfetto.dev) and
/// `chrome://tracing` open: one track (thread) per concurrency slot, one complete event
/// (`ph: "X"`, microseconds) per attempt named by its workstream, and instant events on a track
/// of their own for the runs (a resume is a run boundary), the breaker's transitions and the
/// deadline. Attempts on the critical path carry the category `critical_path`.
///
/// Times are microseconds since the picture's origin (the first run's start); the origin itself
/// is in `otherData.origin`.
public struct ChromeTrace: Sendable {
    /// The picture to write.
    public var picture: RunPicture
    /// Each workstream's log path, for the attempts' args.
    public var logPath: @Sendable (String) -> String

    /// The process id every event carries: the feature is one process.
    static let pid = 1
    /// The thread of the instant events; slot `n` is thread `n + 1`.
    static let eventsThread = 0

    /// Creates a trace of `picture`.
    public init(picture: RunPicture, logPath: @escaping @Sendable (String) -> String) {
        self.picture = picture
        self.logPath = logPath
    }

    /// The trace as JSON, newline-terminated.
    public var json: String {
        var writer = JSONWriter(capacity: 256 + 260 * picture.bars.count)
        writer.beginObject()
        writer.field("displayTimeUnit", "ms")
        writer.key("otherData")
        writeOtherData(&writer)
        writer.key("traceEvents")
        writer.beginArray()
        writeMetadata(&writer)
        for bar in picture.bars { writeAttempt(bar, &writer) }
        writeInstants(&writer)
        writer.endArray()
        writer.endObject()
        return String(decoding: writer.bytes, as: UTF8.self) + "\n"
    }

    private func writeOtherData(_ writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("cost_usd", picture.costUSD)
        writer.field("critical_path", picture.criticalPath)
        writer.field("elapsed_ms", picture.elapsedMS)
        writer.field("feature_id", picture.featureID)
        writer.field("origin", RFC3339.formatMilliseconds(Date(milliseconds: picture.originMS)))
        writer.field("result", picture.result)
        writer.field("runs", picture.runCount)
        writer.endObject()
    }

    private func writeMetadata(_ writer: inout JSONWriter) {
        metadata("process_name", thread: nil, name: "oneshot \(picture.featureID)", &writer)
        metadata("thread_name", thread: Self.eventsThread, name: "runs, breaker, deadline", &writer)
        for slot in 0..<picture.slots {
            metadata("thread_name", thread: slot + 1, name: "slot \(slot + 1)", &writer)
            sortIndex(thread: slot + 1, &writer)
        }
    }

    private func metadata(_ kind: String, thread: Int?, name: String, _ writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("args")
        writer.beginObject()
        writer.field("name", name)
        writer.endObject()
        writer.field("name", kind)
        writer.field("ph", "M")
        writer.field("pid", Self.pid)
        writer.field("tid", thread)
        writer.endObject()
    }

    private func sortIndex(thread: Int, _ writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("args")
        writer.beginObject()
        writer.field("sort_index", thread)
        writer.endObject()
        writer.field("name", "thread_sort_index")
        writer.field("ph", "M")
        writer.field("pid", Self.pid)
        writer.field("tid", thread)
        writer.endObject()
    }

    private func writeAttempt(_ bar: RunPicture.Bar, _ writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("args")
        writer.beginObject()
        writer.field("attempt", bar.attempt)
        if let cost = bar.costUSD { writer.field("cost_usd", cost) } else { writer.nullField("cost_usd") }
        writer.field("critical_path", bar.critical)
        if let code = bar.exitCode { writer.field("exit_code", code) } else { writer.nullField("exit_code") }
        writer.field("log", logPath(bar.id))
        writer.field("outcome", bar.outcome)
        writer.field("run", bar.run)
        writer.endObject()
        writer.field("cat", bar.critical ? "attempt,critical_path" : "attempt")
        writer.field("dur", Int64(bar.durationMS) * 1000)
        writer.field("name", bar.id)
        writer.field("ph", "X")
        writer.field("pid", Self.pid)
        writer.field("tid", bar.slot + 1)
        writer.field("ts", microseconds(bar.startMS))
        writer.endObject()
    }

    private func writeInstants(_ writer: inout JSONWriter) {
        for run in picture.runs {
            let name = run.run == picture.runs.first?.run ? "run \(run.run) started" : "resume: run \(run.run) started"
            instant(name, category: "run", at: run.startMS, args: [("run", "\(run.run)")], &writer)
            if let end = run.endMS {
                instant("run \(run.run) ended", category: "run", at: end, args: [("run", "\(run.run)")], &writer)
            }
            if let deadline = run.deadlineMS {
                instant("deadline", category: "deadline", at: deadline, args: [("run", "\(run.run)")], &writer)
            }
        }
        for change in picture.breakerChanges {
            let state = BreakerNames.name(change.state)
            var args = [("state", state)]
            if let until = change.untilMS {
                args.append(("open_until", RFC3339.formatMilliseconds(Date(milliseconds: until))))
            }
            instant("breaker \(state)", category: "breaker", at: change.atMS, args: args, &writer)
        }
    }

    private func instant(
        _ name: String, category: String, at time: Int64, args: [(String, String)], _ writer: inout JSONWriter
    ) {
        writer.beginObject()
        writer.key("args")
        writer.beginObject()
        for (key, value) in args.sorted(by: { $0.0 < $1.0 }) { writer.field(key, value) }
        writer.endObject()
        writer.field("cat", category)
        writer.field("name", name)
        writer.field("ph", "i")
        writer.field("pid", Self.pid)
        writer.field("s", "g")
        writer.field("tid", Self.eventsThread)
        writer.field("ts", microseconds(time))
        writer.endObject()
    }

    private func microseconds(_ time: Int64) -> Int64 {
        (time - picture.originMS) * 1000
    }
}
