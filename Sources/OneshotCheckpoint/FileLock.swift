import Foundation
import OneshotSystem
import Synchronization

/// An exclusive, non-blocking `flock` on a lock file, held for the life of a run.
///
/// The lock file is opened with `O_CLOEXEC`, so no child process inherits it, and is never
/// unlinked (unlinking would let two runs lock two different inodes). The holder writes its pid
/// in it so that a refused run can say who holds it. The kernel releases the lock when the
/// holder exits, however it exits.
public final class FileLock: Sendable {
    /// Why the lock could not be taken.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Another process holds it.
        case held(path: String, holderPID: Int32?)
        /// A system call failed.
        case system(SystemError)

        /// A one-line message naming the lock file and the holder.
        public var description: String {
            switch self {
            case let .held(path, pid?):
                "another oneshot run (pid \(pid)) holds \(path); wait for it to finish or stop it"
            case let .held(path, nil):
                "another oneshot run holds \(path); wait for it to finish or stop it"
            case let .system(error):
                "cannot lock: \(error)"
            }
        }
    }

    /// The lock file's path.
    public let path: String
    private let fd: Mutex<Int32?>
    private let fileSystem: any FileSystem

    private init(path: String, fd: Int32, fileSystem: any FileSystem) {
        self.path = path
        self.fd = Mutex(fd)
        self.fileSystem = fileSystem
    }

    /// Releases the lock (closing the file releases the `flock`). Later calls do nothing.
    public func release() {
        let open = fd.withLock { fd in
            defer { fd = nil }
            return fd
        }
        if let open {
            Self.heldHere.withLock { _ = $0.remove(Self.key(path)) }
            fileSystem.close(open)
        }
    }

    /// Takes the lock at `path` (creating the file), without waiting.
    ///
    /// - Throws: ``Failure/held(path:holderPID:)`` when another process holds it.
    public static func acquire(_ path: String, fileSystem: any FileSystem = PosixFileSystem()) throws(Failure) -> FileLock {
        let fd: Int32
        do {
            fd = try fileSystem.open(path, flags: O_RDWR | O_CREAT, mode: 0o644)
        } catch {
            throw .system(error)
        }
        do {
            try lockExclusively(fd, path: path, fileSystem: fileSystem)
        } catch {
            fileSystem.close(fd)
            if error.errno == EWOULDBLOCK || error.errno == EAGAIN {
                throw .held(path: path, holderPID: holder(of: path))
            }
            throw .system(error)
        }
        do {
            try fileSystem.truncate(fd, length: 0, path: path)
            try fileSystem.writeAll(fd, Array("\(Syscall.processID)\n".utf8), path: path)
        } catch {
            fileSystem.close(fd)
            throw .system(error)
        }
        heldHere.withLock { _ = $0.insert(key(path)) }
        return FileLock(path: path, fd: fd, fileSystem: fileSystem)
    }

    /// The lock files this process holds now, by ``key(_:)``.
    private static let heldHere = Mutex<Set<String>>([])

    /// One spelling of the lock file at `path`: absolute, without `.`, `..`, doubled slashes or
    /// symbolic links, so that a second run of this process naming the same project another way
    /// (`/p/./`, `.` from `/p`) is refused at once as held here, not after the wait for a copy.
    private static func key(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    /// How long a lock this process released may stay held by a copy of its descriptor.
    private static let inheritedCopyWait: Duration = .seconds(2)

    /// `flock(LOCK_EX | LOCK_NB)`, waiting out one case: the lock file names this process, which
    /// holds no lock on it now. Then the holder is a copy of the descriptor that a child being
    /// spawned by another thread took between its fork and its `exec` (close-on-exec closes it
    /// there, releasing the lock): a harness that runs a feature again while it spawns other
    /// processes must not be told that another run holds it. Any other holder fails at once.
    private static func lockExclusively(_ fd: Int32, path: String, fileSystem: any FileSystem) throws(SystemError) {
        let deadline = ContinuousClock.now + inheritedCopyWait
        while true {
            do {
                return try fileSystem.flock(fd, operation: LOCK_EX | LOCK_NB, path: path)
            } catch {
                guard error.errno == EWOULDBLOCK || error.errno == EAGAIN, ContinuousClock.now < deadline,
                    holder(of: path, fileSystem: fileSystem) == Syscall.processID,
                    !heldHere.withLock({ $0.contains(key(path)) })
                else { throw error }
                Syscall.pause(for: .milliseconds(2))
            }
        }
    }

    /// Whether a process holds the lock at `path`, asked of the kernel: a non-blocking shared
    /// `flock`, released at once, fails exactly while a run holds its exclusive one.
    ///
    /// The pid in the file cannot answer this: in another pid namespace (a container, `unshare`)
    /// it names an unrelated process, possibly the reader itself. A missing file means no run.
    public static func isHeld(_ path: String, fileSystem: any FileSystem = PosixFileSystem()) -> Bool {
        guard let fd = try? fileSystem.open(path, flags: O_RDONLY, mode: 0) else { return false }
        defer { fileSystem.close(fd) }
        do {
            try fileSystem.flock(fd, operation: LOCK_SH | LOCK_NB, path: path)
            return false
        } catch {
            return error.errno == EWOULDBLOCK || error.errno == EAGAIN
        }
    }

    /// The pid written in the lock file at `path`, if any.
    /// Only informative: `nil` when the file cannot be read.
    public static func holder(of path: String, fileSystem: any FileSystem = PosixFileSystem()) -> Int32? {
        guard let data = try? fileSystem.readFile(path) else { return nil }
        return Int32(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    deinit {
        release()
    }
}
