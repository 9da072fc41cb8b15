import Foundation
import OneshotSystem

/// Reads the whole lines appended to a file since the last read, keeping an unfinished last
/// line until its newline comes: a line written in two parts is still printed as one.
struct LineReader {
    let path: String
    private(set) var offset: Int
    private var partial: [UInt8] = []
    /// Beyond this many bytes an unfinished line is printed as it is.
    static let longestLine = 65_536

    init(path: String, offset: Int) {
        self.path = path
        self.offset = offset
    }

    /// The lines completed since the last call; with `final`, an unfinished last line too.
    mutating func newLines(final: Bool = false) -> [String] {
        // A FIFO put in the log's place has nothing to read, and must not block the open.
        if let fd = try? Syscall.openRegularForReading(path) {
            defer { Syscall.close(fd) }
            while let bytes = try? Syscall.read(fd, count: 65_536, at: offset, path: path), !bytes.isEmpty {
                partial += bytes
                offset += bytes.count
            }
        }
        var lines: [String] = []
        var start = 0
        while let newline = partial[start...].firstIndex(of: 0x0A) {
            lines.append(String(decoding: partial[start..<newline], as: UTF8.self))
            start = newline + 1
        }
        partial.removeSubrange(..<start)
        // A command that never ends its line must not make oneshot hold all of it.
        if partial.count >= Self.longestLine {
            lines.append(String(decoding: partial, as: UTF8.self))
            partial = []
        }
        if final && !partial.isEmpty {
            lines.append(String(decoding: partial, as: UTF8.self))
            partial = []
        }
        return lines
    }
}
