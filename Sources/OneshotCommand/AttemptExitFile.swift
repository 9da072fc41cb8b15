import Foundation
import OneshotCheckpoint
import OneshotSystem

/// The exit status a shell left as it exited in `<ws_id>.exit` beside the log:
/// `<shell pid> <exit status> <attempt>`, and the time it was written. A remote job's script
/// writes it; so did the shell of a local attempt before the `ExitStatusFile`, and a
/// resume across an upgrade still reads what such an attempt, left running, wrote.
struct AttemptExitFile: Equatable {
    var pid: Int32
    var exitCode: Int32
    var attempt: Int
    var written: Date

    /// The file at `path`, or `nil` when there is none or it does not hold the three numbers.
    static func read(_ path: String) -> AttemptExitFile? {
        guard let bytes = Syscall.readSmallFile(path, limit: 256),
            let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
        else { return nil }
        let fields = String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard fields.count == 3, let pid = Int32(fields[0]), let code = Int32(fields[1]), let attempt = Int(fields[2]) else {
            return nil
        }
        return AttemptExitFile(pid: pid, exitCode: code, attempt: attempt, written: modified)
    }

    /// Whether this is the status of `record`'s attempt: its shell's pid (when recorded), its
    /// attempt number, and written after it started — a file left by an earlier attempt is not.
    func belongs(to record: InFlightRecord) -> Bool {
        guard attempt == record.attempt, record.pid.map({ $0 == pid }) ?? true else { return false }
        guard let started = RFC3339.parse(record.startedAt) else { return false }
        // The record's start is kept to the second.
        return written.timeIntervalSince(started) > -1
    }

    /// Milliseconds from `record`'s start to this file, when both are known.
    func durationMS(since record: InFlightRecord) -> Int? {
        RFC3339.parse(record.startedAt).map { max(0, Int(written.timeIntervalSince($0) * 1000)) }
    }
}
