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
        if let length = Self.completeLength(of: path) {
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
    static func completeLength(of path: String) -> Int? {
        guard let data = FileManager.default.contents(atPath: path), let last = data.last, last != 0x0A else { return nil }
        guard let newline = data.lastIndex(of: 0x0A) else { return 0 }
        return data.distance(from: data.startIndex, to: newline) + 1
    }

    /// The lines of the journal at `path`, in order. A last line without its newline (a crash
    /// mid-append) is dropped silently; a line that does not decode elsewhere is skipped and
    /// reported, and the lines after it still count: each carries its own sequence number.
    static func read(_ path: String) -> (lines: [JournalLine], problem: String?) {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return ([], nil) }
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
    /// - Returns: the checkpoint and notes: unreadable journal lines skipped, numbers out of
    ///   range clamped.
    /// - Throws: ``CheckpointError`` when the snapshot, or the state after replaying the journal,
    ///   cannot be trusted.
    public static func load(_ paths: CheckpointPaths) throws(CheckpointError) -> (checkpoint: Checkpoint, notes: [String])? {
        guard let data = FileManager.default.contents(atPath: paths.checkpoint) else {
            if FileManager.default.fileExists(atPath: paths.checkpoint) {
                throw CheckpointError(path: paths.checkpoint, reason: "cannot be read")
            }
            return nil
        }
        var notes: [String] = []
        let snapshot = try CheckpointCodec.decode(
            Array(data), path: paths.checkpoint, featureID: paths.featureID, warnings: &notes)
        let (lines, problem) = JournalFile.read(paths.journal)
        notes += problem.map { [$0] } ?? []
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
