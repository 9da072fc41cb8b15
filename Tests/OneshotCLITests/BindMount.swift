import Foundation
import OneshotTestSupport

/// A real bind mount of one folder over another, for the tests of what `oneshot clean` must
/// not cross; unmounted (lazily) when released, even after a failed expectation, and by the next
/// test that mounts when the test process was killed (see ``TestMount``).
final class BindMount {
    let path: String
    private let mount: TestMount

    /// Bind-mounts `source` at `path` (both created); `nil`, with the reason printed, when this
    /// process may not mount (not root).
    init?(_ source: String, at path: String) throws {
        guard let mount = try TestMount.bind(source, at: path) else { return nil }
        self.path = path
        self.mount = mount
    }

    /// Unmounts it, lazily, so that a process with a file open under it cannot keep it.
    func unmount() {
        mount.unmount()
    }
}
