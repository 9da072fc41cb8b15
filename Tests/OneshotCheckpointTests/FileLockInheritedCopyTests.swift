import Foundation
import OneshotCheckpoint
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A copy of this process's own released lock
/// that a child being spawned still carries (until its `exec` closes it) is waited out.
@Suite(.timeLimit(.minutes(3))) struct FileLockInheritedCopyTests {
    /// Another thread's `posix_spawn` can copy the lock's descriptor into a child that has not
    /// yet reached `exec`: the lock outlives `release()` for that moment. Simulated with a second
    /// descriptor of the file holding the lock, closed a little later as the child's `exec` would.
    @Test func aCopyOfThisProcesssReleasedLockIsWaitedOut() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("F1.lock")
        try FileLock.acquire(path).release()  // the file now names this process
        let copy = open(path, O_RDONLY | O_CLOEXEC)
        #expect(copy >= 0 && flock(copy, LOCK_EX | LOCK_NB) == 0)
        // The child's way to its exec, on a thread of its own: `acquire` blocks its caller.
        let closed = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            usleep(100_000)
            close(copy)
            closed.signal()
        }
        let lock = try FileLock.acquire(path)
        lock.release()
        closed.wait()
    }

    /// A lock this process holds, asked for again by another spelling of its path (a harness
    /// running the same project as `/p` and `/p/./`), is refused at once, not after the wait for
    /// a spawning child's copy.
    @Test func aLockHeldHereUnderAnotherSpellingIsRefusedAtOnce() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("F1.lock")
        let lock = try FileLock.acquire(path)
        defer { lock.release() }
        let other = (path as NSString).deletingLastPathComponent + "/./" + "F1.lock"
        let start = ContinuousClock.now
        #expect(throws: FileLock.Failure.self) { _ = try FileLock.acquire(other) }
        #expect(ContinuousClock.now - start < .seconds(1), "not the 2 s wait for an inherited copy")
    }
}
