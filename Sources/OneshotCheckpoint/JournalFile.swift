import Foundation
import OneshotSystem

/// The journal's file: lines appended, read back tolerant of a torn last line.
struct JournalFile {
    let path: String
    let fileSystem: any FileSystem

    /// Opens the journal for appending, creating it. A torn last line (a crash mid-append) is
    /// cut off first: a line appended onto it would be unreadable, and so would the one before.
    func open() throws(SystemError) -> Int32 {
        let fd = try fileSystem.open(path, flags: O_WRONLY | O_CREAT | O_APPEND, mode: 0o644)
        let length: Int?
        do {
            length = try Self.completeLength(of: path, fileSystem: fileSystem)
        } catch {
            fileSystem.close(fd)
            throw error
        }
        if let length {
            do {
                try fileSystem.truncate(fd, length: length, path: path)
            } catch {
                fileSystem.close(fd)
                throw error
            }
        }
        return fd
    }

    /// The length of the journal's complete lines when a torn one follows them; `nil` when it
    /// ends with a newline, is empty or absent.
    static func completeLength(of path: String, fileSystem: any FileSystem) throws(SystemError) -> Int? {
        guard let data = try fileSystem.readFile(path), let last = data.last, last != 0x0A else { return nil }
        guard let newline = data.lastIndex(of: 0x0A) else { return 0 }
        return data.distance(from: data.startIndex, to: newline) + 1
    }

    /// The lines of the journal at `path`, in order. A last line without its newline (a crash
    /// mid-append) is dropped silently; a line that does not decode elsewhere is skipped and
    /// reported, and the lines after it still count: each carries its own sequence number.
    ///
    /// - Throws: ``SystemError`` when the journal exists but cannot be read: its lines may be
    ///   the only record of finished work, so they are never taken for absent.
    static func read(_ path: String, fileSystem: any FileSystem) throws(SystemError) -> (lines: [JournalLine], problem: String?) {
        guard let data = try fileSystem.readFile(path), !data.isEmpty else { return ([], nil) }
        let decoder = JSONDecoder()
        var lines: [JournalLine] = []
        var unreadable: [Int] = []
        let complete = data.last == 0x0A
        let chunks = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        for (index, chunk) in chunks.enumerated() where !chunk.isEmpty {
            let isLast = index == chunks.count - 1
            if isLast && !complete { break }
            guard let line = try? decoder.decode(JournalLine.self, from: Data(chunk)) else {
                unreadable.append(index + 1)
                continue
            }
            lines.append(line)
        }
        guard !unreadable.isEmpty else { return (lines, nil) }
        let numbers = unreadable.prefix(5).map(String.init).joined(separator: ", ") + (unreadable.count > 5 ? ", …" : "")
        let noun = unreadable.count == 1 ? "line \(numbers) is" : "lines \(numbers) are"
        return (lines, "journal \(noun) unreadable in \(path); skipped, the \(lines.count) readable line(s) are kept")
    }
}

/// Reads a checkpoint as a resume sees it: the snapshot, with the journal written since replayed
/// on top.
public enum CheckpointReader {
    /// The checkpoint of `paths`, or `nil` when there is no snapshot.
    ///
    /// The journal's lines are those of the journal rotated away by a snapshot still being
    /// written (``CheckpointPaths/previousJournal``), then those of the journal; the lines the
    /// snapshot already holds are skipped by their sequence numbers.
    ///
    /// - Parameter fileSystem: what the files are read through (tests inject failures).
    /// - Returns: the checkpoint and notes: unreadable journal lines skipped, numbers out of
    ///   range clamped.
    /// - Throws: ``CheckpointError`` when the snapshot, or the state after replaying the journal,
    ///   cannot be trusted, or when a file exists but cannot be read (``CheckpointError/cause``
    ///   then says why): never `nil` for a checkpoint that could not be read.
    public static func load(_ paths: CheckpointPaths, fileSystem: any FileSystem = PosixFileSystem()) throws(CheckpointError)
        -> (checkpoint: Checkpoint, notes: [String])?
    {
        guard let data = try readable(paths.checkpoint, fileSystem.readFile(paths.checkpoint)) else { return nil }
        var notes: [String] = []
        let snapshot = try CheckpointCodec.decode(data, path: paths.checkpoint, featureID: paths.featureID, warnings: &notes)
        let (lines, problems) = try journalLines(paths, fileSystem: fileSystem)
        notes += problems
        let folded = snapshot.journalSeq ?? 0
        let newer = lines.filter { $0.seq > folded }
        guard let last = newer.last else { return (snapshot, notes) }
        var state = CheckpointState(restoring: snapshot)
        newer.forEach { state.apply($0) }
        var merged = state.checkpoint(
            featureID: snapshot.featureID, graph: nil, fingerprint: snapshot.fingerprint, journalSeq: last.seq,
            now: RFC3339.parse(last.at) ?? Date()
        )
        merged.version = snapshot.version
        merged.elapsedMS = elapsedMS(snapshot, through: last.at)
        try CheckpointCodec.validate(&merged, path: paths.journal, featureID: paths.featureID, warnings: &notes)
        return (merged, notes)
    }

    /// The lines of the previous journal, if any, then of the journal, with the problems found.
    ///
    /// - Throws: ``CheckpointError`` naming the journal that exists but cannot be read.
    static func journalLines(_ paths: CheckpointPaths, fileSystem: any FileSystem) throws(CheckpointError)
        -> (lines: [JournalLine], problems: [String])
    {
        var lines: [JournalLine] = []
        var problems: [String] = []
        for path in [paths.previousJournal, paths.journal] {
            let (read, problem) = try readable(path, JournalFile.read(path, fileSystem: fileSystem))
            lines += read
            problems += problem.map { [$0] } ?? []
        }
        return (lines, problems)
    }

    /// `read`'s result, or a ``CheckpointError`` naming `path` when it threw.
    private static func readable<T>(_ path: String, _ read: @autoclosure () throws(SystemError) -> T) throws(CheckpointError)
        -> T
    {
        do {
            return try read()
        } catch {
            throw CheckpointError(
                path: path, reason: "cannot be read: \(error.call): \(error.reason) (errno \(error.errno))", cause: error)
        }
    }

    /// The snapshot's time so far plus the time from its writing to the journal's last line: a
    /// run killed (kill -9) after its last snapshot still counts the work the journal records.
    private static func elapsedMS(_ snapshot: Checkpoint, through lastLine: String) -> Int? {
        guard let written = RFC3339.parse(snapshot.timestamp), let last = RFC3339.parse(lastLine), last > written else {
            return snapshot.elapsedMS
        }
        let since = Int((last.timeIntervalSince(written) * 1000).rounded())
        return CheckpointLimits.clamp(CheckpointLimits.add(snapshot.elapsedMS ?? 0, since), CheckpointLimits.durationMS)
    }
}
