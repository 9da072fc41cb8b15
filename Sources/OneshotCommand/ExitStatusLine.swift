import Foundation
import OneshotCheckpoint
import OneshotSystem

/// One line of a feature's `ExitStatusFile`: the exit status an attempt's shell left as it
/// exited, `<attempt> <token> <shell pid> <exit status> <ws_id> <token>`.
///
/// The token is the time the attempt was launched, in milliseconds since 1970, written into the
/// attempt's trap line by oneshot: the shell cannot take it from a variable a command could
/// change. It ties the line to the record of the attempt, which is written before the launch,
/// so that a line left by an earlier attempt of the same number (attempt numbers start over
/// after `--force` or `--fresh`) never passes for a later one. Written at both ends, it also
/// says the line is whole: a line cut short (a write interrupted by a full disk) does not end
/// with it and is not read.
struct ExitStatusLine: Equatable {
    var attempt: Int
    var token: Int64
    var pid: Int32
    var exitCode: Int32
    var id: String

    /// The line `text` holds (without its newline), or `nil` when it is not a whole one.
    init?(_ text: Substring) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count >= 6, let attempt = Int(fields[0]), let token = Int64(fields[1]),
            let pid = Int32(fields[2]), let exitCode = Int32(fields[3]), fields.last == fields[1]
        else { return nil }
        self.attempt = attempt
        self.token = token
        self.pid = pid
        self.exitCode = exitCode
        // A library caller's id may hold spaces: it is whatever lies between.
        id = fields[4..<(fields.count - 1)].joined(separator: " ")
    }

    /// The token of an attempt launched at `date`.
    static func token(launchedAt date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// Whether this is the status of `record`'s attempt: its workstream and number, its shell's
    /// pid (when recorded), and launched no earlier than the record was written — a line of an
    /// earlier attempt was launched before it.
    func belongs(to record: InFlightRecord) -> Bool {
        guard id == record.id, attempt == record.attempt, record.pid.map({ $0 == pid }) ?? true else { return false }
        // The record's start is kept to the second, rounded down: the launch that followed it
        // is no earlier.
        guard let started = RFC3339.parse(record.startedAt) else { return false }
        return token >= Self.token(launchedAt: started)
    }
}
