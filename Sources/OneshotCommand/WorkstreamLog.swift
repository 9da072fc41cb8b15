import Foundation
import OneshotSystem

/// The log file of one workstream, `.sdp/logs/<feature>/<ws_id>.log`: every attempt appended
/// with a header, so earlier attempts stay readable.
struct WorkstreamLog {
    let path: String

    /// Opens the log for appending (creating its folder), writes the attempt header, and returns
    /// the descriptor and the offset where this attempt's output begins. A log that is a FIFO
    /// no one reads fails at once (`ENXIO`) rather than blocking the run for good.
    func openForAttempt(header: String) throws(SystemError) -> (fd: Int32, offset: Int) {
        let fd = try creatingFolder { () throws(SystemError) in
            try Syscall.openWithoutWaiting(path, O_WRONLY | O_CREAT | O_APPEND)
        }
        return try begin(through: fd, header: header)
    }

    /// Opens the log for appending (creating its folder) ahead of an attempt: `removable` says
    /// whether the file was empty — made by this open, or left empty by a run killed before the
    /// attempt it was opened for came — so that ``close(_:removingIfEmpty:)`` removes it if the
    /// attempt never comes: an empty log is no attempt's, and would only say one ran.
    func openAhead() throws(SystemError) -> (fd: Int32, removable: Bool) {
        try creatingFolder { () throws(SystemError) -> (fd: Int32, removable: Bool) in
            do throws(SystemError) {
                return (try Syscall.open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND), true)
            } catch  where error.errno == EEXIST {
                // A FIFO no one reads fails (ENXIO) instead of blocking the run loop for good.
                let fd = try Syscall.openWithoutWaiting(path, O_WRONLY | O_APPEND)
                // A FIFO or a device has no size to ask: never removable.
                return (fd, (try? Syscall.seekToEnd(fd, path: path)) == 0)
            }
        }
    }

    /// How many times the log's folder is made again when it is gone by the time the log is
    /// opened in it: a command that removes `.sdp/logs/<feature>` while others start must not
    /// stop the run, and a folder removed that often in a row is someone's doing, reported.
    static let folderAttempts = 8

    /// `open`, with the log's folder made (again) each time it fails with `ENOENT`, at most
    /// ``folderAttempts`` times. The folder is made once, on the first attempt that needs it.
    private func creatingFolder<T>(_ open: () throws(SystemError) -> T) throws(SystemError) -> T {
        var made = 0
        while true {
            do {
                return try open()
            } catch  where error.errno == ENOENT && made < Self.folderAttempts {
                made += 1
                try Syscall.makeDirectories((path as NSString).deletingLastPathComponent)
            }
        }
    }

    /// Closes a descriptor of ``openAhead()`` whose attempt never came; removes the file when
    /// `removable` (it was empty when opened) and nothing was written to it since.
    func close(_ fd: Int32, removingIfEmpty removable: Bool) {
        // Removed only while the path still names this empty file: one put in its place since
        // (a resumed run's, a user's) stays.
        if removable, (try? Syscall.seekToEnd(fd, path: path)) == 0 { _ = try? Syscall.removeIfStill(path, openAs: fd) }
        Syscall.close(fd)
    }

    /// Writes the attempt header through `fd`, a descriptor of the log opened for appending
    /// (closed on failure), and returns it with the offset where this attempt's output begins.
    func begin(through fd: Int32, header: String) throws(SystemError) -> (fd: Int32, offset: Int) {
        do {
            try Syscall.writeAll(fd, Array(header.utf8), path: path)
        } catch {
            Syscall.close(fd)
            throw error
        }
        let offset = (try? Syscall.seekToEnd(fd, path: path)) ?? 0
        return (fd, offset)
    }

    /// `"\n"` when the output written since `offset` does not end its last line (`printf oops`),
    /// else `""`: the footer must start a line of its own, or the command's last line is glued to
    /// it and lost from the failure's tail. `""` when the log is no longer a regular file (a FIFO
    /// put in its place is not waited on).
    func lineBreak(after offset: Int) -> String {
        guard let fd = try? Syscall.openRegularForReading(path) else { return "" }
        defer { Syscall.close(fd) }
        guard let end = try? Syscall.seekToEnd(fd, path: path), end > offset else { return "" }
        guard let last = try? Syscall.read(fd, count: 1, at: end - 1, path: path).first else { return "" }
        return last == 0x0A ? "" : "\n"
    }

    /// ``lineBreak(after:)`` for the attempt writing through `fd`: its size says whether the
    /// command printed anything, so the log is opened again to read its last byte only then —
    /// not for the many commands that print nothing.
    func lineBreak(writingThrough fd: Int32, after offset: Int) -> String {
        // A descriptor whose size cannot be asked is read again by path.
        let end = try? Syscall.seekToEnd(fd, path: path)
        guard end.map({ $0 > offset }) ?? true else { return "" }
        return lineBreak(after: offset)
    }

    /// Appends a line (the attempt's footer), only to a regular file: a FIFO put in the log's
    /// place is neither waited on for a reader nor fed.
    func append(_ line: String) {
        guard let fd = try? Syscall.openRegular(path, O_WRONLY | O_APPEND) else { return }
        defer { Syscall.close(fd) }
        try? Syscall.writeAll(fd, Array(line.utf8), path: path)
    }

    /// The last `count` lines written since `offset`, at most 64 KiB of them, each cut at
    /// ``longestTailLine`` bytes; none when the log
    /// is no longer a regular file (a FIFO put in its place would hold a plain open for good).
    func tail(from offset: Int, lines count: Int) -> [String] {
        guard let fd = try? Syscall.openRegularForReading(path) else { return [] }
        defer { Syscall.close(fd) }
        guard let end = try? Syscall.seekToEnd(fd, path: path), end > offset else { return [] }
        let start = max(offset, end - 65_536)
        let bytes = (try? Syscall.read(fd, count: end - start, at: start, path: path)) ?? []
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map(Self.shown)
        return Array(lines.drop { $0.isEmpty }.reversed().drop { $0.isEmpty }.prefix(count).reversed())
    }

    /// How many bytes of one line of the log a failure's tail shows: a log ending in 64 KiB
    /// without a line break (binary output, a sparse file's zeros) is not printed whole.
    static let longestTailLine = 500

    /// A line of the tail as shown: at most ``longestTailLine`` bytes of it, then how many more.
    private static func shown(_ line: ArraySlice<UInt8>) -> String {
        guard line.count > longestTailLine else { return String(decoding: line, as: UTF8.self) }
        return String(decoding: line.prefix(longestTailLine), as: UTF8.self) + "… (\(line.count - longestTailLine) more bytes)"
    }
}
