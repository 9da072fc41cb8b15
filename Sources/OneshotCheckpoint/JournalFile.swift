import Foundation
import OneshotSystem

/// The journal's file: lines appended, read back tolerant of a torn last line.
struct JournalFile {
    let path: String
    let fileSystem: any FileSystem

    /// Opens the journal for appending, creating it.
    func open() throws(SystemError) -> Int32 {
        try fileSystem.open(path, flags: O_WRONLY | O_CREAT | O_APPEND, mode: 0o644)
    }

    /// The lines of the journal at `path`, in order. A last line without its newline (a crash
    /// mid-append) is dropped silently; a line that does not decode elsewhere stops the read
    /// and is reported, since nothing after it can be trusted.
    static func read(_ path: String) -> (lines: [JournalLine], problem: String?) {
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return ([], nil) }
        let decoder = JSONDecoder()
        var lines: [JournalLine] = []
        let complete = data.last == 0x0A
        let chunks = data.split(separator: 0x0A, omittingEmptySubsequences: true)
        for (index, chunk) in chunks.enumerated() {
            let isLast = index == chunks.count - 1
            if isLast && !complete { break }
            guard let line = try? decoder.decode(JournalLine.self, from: Data(chunk)) else {
                return (lines, "journal line \(index + 1) of \(path) is unreadable; ignoring it and what follows")
            }
            lines.append(line)
        }
        return (lines, nil)
    }
}

/// Reads a checkpoint as a resume sees it: the snapshot, with the journal written since replayed
/// on top.
public enum CheckpointReader {
    /// The checkpoint of `paths`, or `nil` when there is no snapshot.
    ///
    /// - Returns: the checkpoint and notes about the journal (an unreadable line).
    /// - Throws: ``CheckpointError`` when the snapshot, or the state after replaying the journal,
    ///   cannot be trusted.
    public static func load(_ paths: CheckpointPaths) throws(CheckpointError) -> (checkpoint: Checkpoint, notes: [String])? {
        guard let data = FileManager.default.contents(atPath: paths.checkpoint) else {
            if FileManager.default.fileExists(atPath: paths.checkpoint) {
                throw CheckpointError(path: paths.checkpoint, reason: "cannot be read")
            }
            return nil
        }
        let snapshot = try CheckpointCodec.decode(Array(data), path: paths.checkpoint, featureID: paths.featureID)
        let (lines, problem) = JournalFile.read(paths.journal)
        let folded = snapshot.journalSeq ?? 0
        let newer = lines.filter { $0.seq > folded }
        guard let last = newer.last else { return (snapshot, problem.map { [$0] } ?? []) }
        var state = CheckpointState(restoring: snapshot)
        newer.forEach { state.apply($0) }
        var merged = state.checkpoint(
            featureID: snapshot.featureID, graph: nil, fingerprint: snapshot.fingerprint, journalSeq: last.seq,
            now: RFC3339.parse(last.at) ?? Date()
        )
        merged.version = snapshot.version
        try CheckpointCodec.validate(merged, path: paths.journal, featureID: paths.featureID)
        return (merged, problem.map { [$0] } ?? [])
    }
}
