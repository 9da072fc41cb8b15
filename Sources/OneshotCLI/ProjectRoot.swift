import Foundation
import OneshotSystem

/// `-C DIR`: every path (features, `.sdp`, commands' working directory) is relative to the
/// project root, so oneshot moves there first, as `make -C` does.
enum ProjectRoot {
    /// Changes to `root`, if given.
    ///
    /// - Throws: ``UsageError`` naming `root` and why it cannot be entered.
    static func enter(_ root: String?) throws(UsageError) {
        guard let root else { return }
        do {
            try Syscall.changeDirectory(root)
        } catch {
            throw UsageError("cannot use -C \(root): \(error.reason)")
        }
    }

    /// Changes to `root`, if given; on failure prints why and returns the exit code.
    static func enter(_ root: String?, reportingTo console: Console) -> ExitCode? {
        do {
            try enter(root)
            return nil
        } catch {
            console.error(error.message)
            return ExitCode(error)
        }
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
