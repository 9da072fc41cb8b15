import Foundation
import OneshotSystem
import Testing

/// `FileWatcher`: a write in a watched folder, a watched file closed after writing and `wake()`
/// each end a wait; nothing ends it before its timeout.
@Suite(.timeLimit(.minutes(3))) struct FileWatcherTests {
    @Test func wakesOnAWriteOnAFileClosedAndOnWake() throws {
        let folder = NSTemporaryDirectory() + "oneshot-watch-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let lock = folder + "/lock"
        let lockFD = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        let watcher = try FileWatcher(folders: [folder + "/logs-missing", folder], files: [lock])
        #expect(watcher.wait(timeout: .milliseconds(50)) == .timedOut)
        watcher.wake()
        #expect(watcher.wait(timeout: .seconds(10)) == .woken)
        #if os(Linux)
            try Data("line\n".utf8).write(to: URL(fileURLWithPath: folder + "/a.log"))
            #expect(watcher.wait(timeout: .seconds(10)) == .changed)
            close(lockFD)
            #expect(watcher.wait(timeout: .seconds(10)) == .changed, "the run's lock closed")
        #else
            close(lockFD)
        #endif
    }
}
