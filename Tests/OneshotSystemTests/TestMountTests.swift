import Foundation
import OneshotSystem
import OneshotTestSupport
import Testing

#if os(Linux)
    /// ``TestMount`` (Linux: mounts and `/proc`): a mount whose test process died (killed, timed
    /// out: no `defer` ran) is unmounted and its folder removed by the next test that mounts; a
    /// live process's never.
    @Suite(.timeLimit(.minutes(3))) struct TestMountTests {
        /// A folder as the tests make them, with a tmpfs mount point inside.
        private final class Project {
            let root = NSTemporaryDirectory() + "oneshot-e2e-" + UUID().uuidString
            var mountPoint: String { root + "/.sdp/logs" }
            deinit { try? FileManager.default.removeItem(atPath: root) }
        }

        /// A real process that has ended: its pid and start time, as a killed test's would be.
        private static func deadOwner() throws -> TestMount.Owner? {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/cat")
            let input = Pipe()
            process.standardInput = input
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let owner = TestMount.Owner.of(process.processIdentifier)
            try input.fileHandleForWriting.close()
            process.waitUntilExit()
            return owner
        }

        @Test func aMountWhoseOwnerDiedIsUnmountedAndItsFolderRemovedByTheNextMount() throws {
            let project = Project()
            guard let owner = try Self.deadOwner() else {
                Issue.record("no /proc/<pid>/stat for a child")
                return
            }
            #expect(!owner.isAlive)
            guard let left = try TestMount.tmpfs(at: project.mountPoint, size: "64k", owner: owner) else { return }
            try Data("x\n".utf8).write(to: URL(fileURLWithPath: project.mountPoint + "/a.log"))
            #expect(left.folder == project.root, "the folder under the temporary folder is the test's")
            #expect(TestMount.isMountPoint(project.mountPoint))
            // As after SIGKILL: the owner is gone, its `deinit` never ran; a new mount reaps it.
            let other = Project()
            let fresh = try TestMount.tmpfs(at: other.mountPoint, size: "64k")
            defer { withExtendedLifetime(left) { fresh?.unmount() } }
            #expect(!TestMount.isMountPoint(project.mountPoint))
            #expect(!FileManager.default.fileExists(atPath: project.root), "the killed test's folder is removed")
            #expect(TestMount.isMountPoint(other.mountPoint))
        }

        @Test func aLiveProcesssMountIsLeftAlone() throws {
            let project = Project()
            guard let mount = try TestMount.tmpfs(at: project.mountPoint, size: "64k") else { return }
            defer { mount.unmount() }
            TestMount.reapStale()
            #expect(TestMount.isMountPoint(project.mountPoint))
            #expect(FileManager.default.fileExists(atPath: project.root))
            mount.unmount()
            #expect(!TestMount.isMountPoint(project.mountPoint))
        }

        /// `pid_max` is small here: a later process may have the pid; its start time tells it apart.
        @Test func aPidReusedByAnotherProcessIsNoOwner() throws {
            let project = Project()
            guard let current = TestMount.Owner.current else {
                Issue.record("no /proc/self/stat")
                return
            }
            let earlier = TestMount.Owner(pid: current.pid, startTime: current.startTime - 1)
            #expect(!earlier.isAlive)
            guard let left = try TestMount.tmpfs(at: project.mountPoint, size: "64k", owner: earlier) else { return }
            defer { withExtendedLifetime(left) {} }
            TestMount.reapStale()
            #expect(!TestMount.isMountPoint(project.mountPoint))
            #expect(!FileManager.default.fileExists(atPath: project.root))
        }

        /// A stale mount inside a stale folder (a bind mount under a tmpfs project) is unmounted
        /// before the folder is removed: nothing is removed through it.
        @Test func aStaleBindMountIsUnmountedBeforeItsFolderIsRemoved() throws {
            let project = Project()
            let outside = Project()
            guard let owner = try Self.deadOwner() else { return }
            try FileManager.default.createDirectory(atPath: outside.root, withIntermediateDirectories: true)
            try Data("keep\n".utf8).write(to: URL(fileURLWithPath: outside.root + "/precious"))
            guard let bound = try TestMount.bind(outside.root, at: project.root + "/.sdp/logs/F1/mnt", owner: owner) else {
                return
            }
            defer { withExtendedLifetime(bound) {} }
            TestMount.reapStale()
            #expect(!TestMount.isMountPoint(project.root + "/.sdp/logs/F1/mnt"))
            #expect(!FileManager.default.fileExists(atPath: project.root))
            #expect(FileManager.default.fileExists(atPath: outside.root + "/precious"), "nothing removed through the mount")
        }
    }
#endif
