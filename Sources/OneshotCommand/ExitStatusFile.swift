import Foundation
import OneshotCheckpoint
import OneshotSystem
import Synchronization

/// The file the shells of a feature's local attempts append their exit statuses to as they
/// exit, `<logFolder>/exits`: one ``ExitStatusLine`` each, written by the attempt's `EXIT` trap
/// (``ExitTrapLine``). When oneshot dies while a command runs, the next run reads the command's
/// real outcome there, as Nextflow's `.exitcode`.
///
/// One file for the feature, opened once (`O_APPEND`) and inherited by every attempt's shell as
/// its descriptor 3, rather than a file per attempt: creating a file costs its command about a
/// quarter of its time when the command itself is quick (`sh -c true`: 0.90 ms with the
/// `<ws_id>.exit` the shell used to create, 0.69 ms writing the same line to `/dev/null`), and
/// a line appended to an open file costs what the write to `/dev/null` does. Appends of a line
/// that short to a regular file are not interleaved, however many shells write at once.
///
/// The file only grows while a run goes on; a run that finds it larger than
/// ``rotationBytes`` moves it to `exits.old` before its first attempt, where the shells of an
/// earlier run that still run go on writing (they hold the file, not its name). Both are read.
final class ExitStatusFile: Sendable {
    /// Past this size, a run starts the file over (see the type's description).
    static let rotationBytes = 1 << 20

    /// The file's path (absolute).
    let path: String
    /// Where the file goes when a run starts it over.
    var previousPath: String { path + ".old" }
    private let descriptor = Mutex<Int32?>(nil)
    /// Descriptors of files that lost their name (see ``openedDescriptor()``), kept open until
    /// this object goes: a launch on another thread may be passing one to its shell right now,
    /// and closed, its number could name another file by then.
    private let retired = Mutex<[Int32]>([])

    /// - Parameter folder: the absolute folder of the feature's logs.
    init(folder: String) {
        path = folder + "/exits"
    }

    deinit {
        descriptor.withLock { fd in fd.map(Syscall.close) }
        retired.withLock { $0.forEach(Syscall.close) }
    }

    /// The descriptor the attempts' shells inherit: opened at the first attempt, kept until this
    /// object goes, or until the file has no name left (the log folder was removed by hand while
    /// the run went on): it is then opened again, in the folder the launch made again, so that
    /// what a shell leaves is where the next run looks (one `fstat` a launch).
    ///
    /// - Throws: ``SystemError`` when the file cannot be opened (the log folder exists by then).
    func openedDescriptor() throws(SystemError) -> Int32 {
        let result: Result<Int32, SystemError> = descriptor.withLock { fd in
            if let current = fd {
                guard (try? Syscall.linkCount(current, path: path)) == 0 else { return .success(current) }
                retired.withLock { $0.append(current) }
                fd = nil
            }
            do throws(SystemError) {
                let opened = try openRotating()
                fd = opened
                return .success(opened)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Opens the file for appending, moving it aside first when it has grown past
    /// ``rotationBytes``; the descriptor is numbered above the ones a child gets, so that
    /// passing it as descriptor 3 is always a real `dup2`.
    private func openRotating() throws(SystemError) -> Int32 {
        var fd = try openRegular()
        if (try? Syscall.seekToEnd(fd, path: path)) ?? 0 > Self.rotationBytes {
            Syscall.close(fd)
            try PosixFileSystem().rename(path, to: previousPath)
            fd = try openRegular()
        }
        defer { Syscall.close(fd) }
        return try Syscall.duplicate(fd, atLeast: 10, path: path)
    }

    /// Opens the file for appending, never waiting (`O_NONBLOCK`: a FIFO put in its place would
    /// block the open for good, with no reader) and refusing anything but a regular file.
    /// The folder is made again when the open finds it gone (removed by hand while the run goes
    /// on, after the launch made it for the log), as the log's is (`WorkstreamLog`).
    private func openRegular() throws(SystemError) -> Int32 {
        var made = 0
        let fd: Int32
        while true {
            do {
                fd = try Syscall.open(path, O_WRONLY | O_CREAT | O_APPEND | O_NONBLOCK)
                break
            } catch  where error.errno == ENOENT && made < WorkstreamLog.folderAttempts {
                made += 1
                try Syscall.makeDirectories(String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]))
            }
        }
        do throws(SystemError) {
            guard try Syscall.fileType(descriptor: fd, path: path) == S_IFREG else {
                throw SystemError(call: "open (not a regular file)", path: path, errno: EINVAL)
            }
            return fd
        } catch {
            Syscall.close(fd)
            throw error
        }
    }

    /// The status `record`'s shell left: the newest line of its workstream in this file, else
    /// in the one before it; `nil` when none belongs to the record.
    ///
    /// Lines are read from the end, and the search stops at the first line of the workstream:
    /// no attempt of it can have ended between the record's and the end of the file, so an
    /// older line is an earlier attempt's.
    func status(of record: InFlightRecord) -> ExitStatusLine? {
        for file in [path, previousPath] {
            var found: ExitStatusLine?
            let stopped = Self.linesFromTheEnd(of: file) { text in
                guard let line = ExitStatusLine(text), line.id == record.id else { return false }
                if line.belongs(to: record) { found = line }
                return true
            }
            if stopped { return found }
        }
        return nil
    }

    /// Calls `body` with each whole line of `file` (one that ends in a newline), newest first,
    /// until it returns `true`.
    ///
    /// - Returns: whether `body` returned `true`.
    static func linesFromTheEnd(of file: String, _ body: (Substring) -> Bool) -> Bool {
        // Non-blocking: a FIFO in the file's place must not hang `status` or a resume; it has
        // no end to seek to, so nothing is read from it.
        guard let fd = try? Syscall.open(file, O_RDONLY | O_NONBLOCK) else { return false }
        defer { Syscall.close(fd) }
        guard var position = try? Syscall.seekToEnd(fd, path: file) else { return false }
        // The start of the chunk read last, up to its first newline: the end of a line that may
        // begin in the chunk before.
        var pending: [UInt8] = []
        // Whether a newline was seen: until then, the bytes read are a line not yet (or never)
        // finished — a shell writing, or one whose write a full disk cut short.
        var pastTheTail = false
        while position > 0 {
            let count = min(65_536, position)
            position -= count
            guard var chunk = try? Syscall.read(fd, count: count, at: position, path: file), chunk.count == count else {
                return false
            }
            chunk += pending.count > 65_536 ? [] : pending
            var pieces = chunk.split(separator: 0x0A, omittingEmptySubsequences: false)
            if !pastTheTail {
                pieces.removeLast()
                guard !pieces.isEmpty else { continue }
                pastTheTail = true
            }
            pending = position > 0 ? Array(pieces.removeFirst()) : []
            for line in pieces.reversed() where !line.isEmpty {
                if body(Substring(decoding: line, as: UTF8.self)) { return true }
            }
        }
        return false
    }
}
