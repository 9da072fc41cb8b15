import Foundation
import OneshotSystem
import Synchronization

/// Replaces a file's content so that a reader, or a run after a crash or power cut, sees either
/// the old content or the new, whole.
///
/// The sequence: a new temporary file beside the target (unique name, `O_CREAT|O_EXCL`), write all
/// of it (short writes looped), `fsync`, `close`, `rename` over the target, `fsync` the folder.
/// On any failure before the rename the temporary file is removed and the target is untouched.
/// A file whose `fsync` failed is never fsynced again: the next write starts over with a new one.
public struct AtomicFile: Sendable {
    /// The file system the writes go through.
    public let fileSystem: any FileSystem
    private static let counter = Atomic<Int>(0)

    /// Creates a writer over `fileSystem`.
    public init(fileSystem: any FileSystem = PosixFileSystem()) {
        self.fileSystem = fileSystem
    }

    /// The prefix every temporary file of `path` starts with: `<path>.tmp.`.
    public static func temporaryPrefix(for path: String) -> String {
        path + ".tmp."
    }

    /// Durably replaces the content of `path` with `bytes`.
    ///
    /// - Throws: ``SystemError`` from the step that failed, naming the path. When the folder's
    ///   fsync fails, the new content is already in place but its durability is unknown.
    public func write(_ bytes: [UInt8], to path: String) throws(SystemError) {
        try write(to: path) { (fd, temporary) throws(SystemError) in try fileSystem.writeAll(fd, bytes, path: temporary) }
    }

    /// Durably replaces the content of `path` with what `produce` writes to the temporary file
    /// (its descriptor and path), in as many writes as it likes: as ``write(_:to:)`` otherwise.
    ///
    /// - Throws: ``SystemError`` from `produce` or from the step that failed, naming the path.
    public func write(
        to path: String, producing produce: (_ fd: Int32, _ temporary: String) throws(SystemError) -> Void
    ) throws(SystemError) {
        let unique = Self.counter.wrappingAdd(1, ordering: .relaxed).newValue
        let temporary = "\(Self.temporaryPrefix(for: path))\(Syscall.processID).\(unique)"
        let fd = try fileSystem.open(temporary, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644)
        do {
            try produce(fd, temporary)
            try fileSystem.fsync(fd, path: temporary)
        } catch {
            fileSystem.close(fd)
            try? fileSystem.unlink(temporary)
            throw error
        }
        fileSystem.close(fd)
        do {
            try fileSystem.rename(temporary, to: path)
        } catch {
            try? fileSystem.unlink(temporary)
            throw error
        }
        try fileSystem.fsyncDirectory((path as NSString).deletingLastPathComponent)
    }

    /// Removes `path` and fsyncs its folder, so the removal is durable.
    public func remove(_ path: String) throws(SystemError) {
        try fileSystem.unlink(path)
        try fileSystem.fsyncDirectory((path as NSString).deletingLastPathComponent)
    }

    /// Removes temporary files of `path` left by a crashed writer. Only the lock holder may call it.
    ///
    /// - Returns: the names removed.
    /// - Throws: ``SystemError`` when the folder cannot be listed.
    @discardableResult
    public func removeOrphanedTemporaries(of path: String) throws(SystemError) -> [String] {
        let folder = (path as NSString).deletingLastPathComponent
        let prefix = (Self.temporaryPrefix(for: path) as NSString).lastPathComponent
        let names = try fileSystem.listDirectory(folder.isEmpty ? "." : folder)
        var removed: [String] = []
        for name in names where name.hasPrefix(prefix) {
            if (try? fileSystem.unlink((folder as NSString).appendingPathComponent(name))) != nil {
                removed.append(name)
            }
        }
        return removed.sorted()
    }
}
