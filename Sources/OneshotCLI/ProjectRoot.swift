import Foundation
import OneshotSystem

/// `-C DIR`: every path (features, `.sdp`, commands' working directory) is relative to the
/// project root, so oneshot moves there first, as `make -C` does.
enum ProjectRoot {
    /// Changes to `root`, if given; returns the error message on failure.
    static func enter(_ root: String?) -> String? {
        guard let root, chdir(root) != 0 else { return nil }
        return "cannot use -C \(root): \(SystemError(call: "chdir", path: root, errno: errno).reason)"
    }

    /// `path` relative to the project root (the current directory) when it lies inside it, else
    /// as given. The checkpoint records `--features` so: a resume of a project copied to another
    /// path (a new CI runner's checkout) reads the copy's files, not the old path's.
    static func relative(_ path: String) -> String {
        guard path.hasPrefix("/") else { return path }
        let root = resolved(FileManager.default.currentDirectoryPath)
        let full = resolved(path)
        if full == root { return "." }
        let prefix = root.hasSuffix("/") ? root : root + "/"
        return full.hasPrefix(prefix) ? String(full.dropFirst(prefix.count)) : path
    }

    /// `path` standardized, its symbolic links resolved (`/tmp` is `/private/tmp` on macOS).
    private static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}
