import Foundation
import OneshotSystem

/// The last lines of a workstream's log, for the report's table.
public enum LogTail {
    /// The last `lines` lines of the file at `path`, reading at most its last `maxBytes`; `nil`
    /// when it cannot be read or is not a regular file (a FIFO put there would block the open
    /// for good). Bytes that are not UTF-8 are shown as U+FFFD.
    public static func read(_ path: String, lines: Int = 12, maxBytes: Int = 16 * 1024) -> [String]? {
        guard let fd = try? Syscall.openRegularForReading(path) else { return nil }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return nil }
        let start = size > UInt64(maxBytes) ? size - UInt64(maxBytes) : 0
        guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.readToEnd() else { return nil }
        var text = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        if start > 0, !text.isEmpty { text.removeFirst() }  // a line cut by the window
        if text.last?.isEmpty == true { text.removeLast() }
        return text.suffix(lines).map(String.init)
    }
}
