import Foundation
import OneshotSystem
import OneshotTestSupport

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Waits for what another process does, woken by the kernel — inotify for a file written,
/// pidfds for processes ended (``processEnds(_:within:)`` for one), `poll` for a terminal's
/// output — instead of re-checking on a timer. Every wait ends by its deadline, so a test fails
/// instead of hanging; the blocking ones run on a thread of their own (``onItsOwnThread(_:)``).
enum Awaited {
    /// Waits until `condition` holds, checking it again each time a file is created, written,
    /// closed or renamed in one of `folders`. A folder that does not exist yet is watched through
    /// its nearest existing ancestor, so that its creation wakes the wait too.
    ///
    /// - Returns: whether `condition` held before `limit` passed.
    static func files(
        in folders: [String], within limit: Duration, until condition: @escaping @Sendable () -> Bool
    ) async -> Bool {
        await onItsOwnThread {
            let deadline = ContinuousClock.now + limit
            while true {
                // Watch first, then check: a change after the check still wakes the wait below.
                guard let watcher = try? FileWatcher(folders: folders.map(nearestExistingFolder)) else {
                    return condition()
                }
                if condition() { return true }
                let left = deadline - ContinuousClock.now
                guard left > .zero else { return false }
                #if os(Linux)
                    _ = watcher.wait(timeout: left)
                #else
                    // No inotify: the timeout is the watcher's only wake-up.
                    _ = watcher.wait(timeout: min(left, .milliseconds(20)))
                #endif
            }
        }
    }

    /// Waits until `processes()` names none: each process it names is awaited through its
    /// pidfd, then it is asked again (one may have started another meanwhile).
    ///
    /// - Returns: whether it named none before `limit` passed (false at once when it still names
    ///   only processes that have ended: zombies, whose reaping raises no event).
    static func noneLeft(within limit: Duration, of processes: () -> [Int32]) async -> Bool {
        let deadline = ContinuousClock.now + limit
        var ended: Set<Int32> = []
        while true {
            let live = Set(processes())
            if live.isEmpty { return true }
            let waiting = live.subtracting(ended)
            guard !waiting.isEmpty, ContinuousClock.now < deadline else { return false }
            for pid in waiting where await processEnds(pid, within: max(.zero, deadline - ContinuousClock.now)) {
                ended.insert(pid)
            }
        }
    }

    /// Waits until `fd` has something to read (or its other end is closed).
    ///
    /// - Returns: whether it became readable before `limit` passed.
    static func readable(_ fd: Int32, within limit: Duration) async -> Bool {
        await onItsOwnThread {
            var descriptors = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
            return Syscall.poll(&descriptors, timeout: limit) > 0
        }
    }

    /// `path` if it is a folder, else its nearest ancestor that is.
    private static func nearestExistingFolder(_ path: String) -> String {
        var candidate = path
        var isFolder: ObjCBool = false
        while candidate.count > 1
            && !(FileManager.default.fileExists(atPath: candidate, isDirectory: &isFolder) && isFolder.boolValue)
        {
            candidate = (candidate as NSString).deletingLastPathComponent
        }
        return candidate
    }

}

extension TemporaryProject {
    /// Waits until `condition` holds, checking it again each time a file changes in the project
    /// folder (where runs write their output and workstreams their marks) or in the folder of
    /// one of `files` (relative paths: `.sdp/logs/F1/a.exit`).
    ///
    /// - Returns: whether `condition` held before `limit` passed.
    func until(
        _ files: String..., within limit: Duration = .seconds(20), _ condition: @escaping @Sendable () -> Bool
    ) async -> Bool {
        let folders = [path] + files.map { (file($0) as NSString).deletingLastPathComponent }
        return await Awaited.files(in: folders, within: limit, until: condition)
    }
}
