import OneshotSystem

/// `-C DIR`: every path (features, `.sdp`, commands' working directory) is relative to the
/// project root, so oneshot moves there first, as `make -C` does.
enum ProjectRoot {
    /// Changes to `root`, if given; returns the error message on failure.
    static func enter(_ root: String?) -> String? {
        guard let root, chdir(root) != 0 else { return nil }
        return "cannot use -C \(root): \(SystemError(call: "chdir", path: root, errno: errno).reason)"
    }
}
