import Foundation
import OneshotSystem

/// The append-only file of attempts that started since the last snapshot, one JSON object a line.
///
/// An attempt is recorded here before it is launched, so a crash of oneshot (whose children
/// outlive it) leaves a trace of what was running. A write that reached the kernel survives such a
/// crash, so lines are not fsynced; the snapshot that follows is. A torn last line, from a crash
/// mid-write, is ignored when reading.
struct InFlightLog {
    let path: String
    let fileSystem: any FileSystem

    /// Appends `record` as a line. Failures are returned, not thrown: the caller warns.
    func append(_ record: InFlightRecord, to fd: Int32) -> SystemError? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard var bytes = try? Array(encoder.encode(record)) else { return nil }
        bytes.append(0x0A)
        do {
            try fileSystem.writeAll(fd, bytes, path: path)
            return nil
        } catch {
            return error
        }
    }

    /// Opens the log for appending, creating it.
    func open() throws(SystemError) -> Int32 {
        try fileSystem.open(path, flags: O_WRONLY | O_CREAT | O_APPEND, mode: 0o644)
    }

    /// The records in the file at `path`; unreadable lines (a torn last line) are skipped.
    static func read(_ path: String) -> [InFlightRecord] {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        let decoder = JSONDecoder()
        return data.split(separator: 0x0A).compactMap { try? decoder.decode(InFlightRecord.self, from: Data($0)) }
    }
}
