import Foundation
import Oneshot
import OneshotSystem

/// The trace and the report as the CLI writes them: log paths and tails from `.sdp/logs`, files
/// under `.sdp/reports`.
enum PictureFile {
    /// Where `--report` and `oneshot report` write by default.
    static func reportPath(_ featureID: String) -> String {
        ".sdp/reports/\(featureID).html"
    }

    /// The workstream's log, as the command executor writes it.
    static func logPath(_ featureID: String) -> @Sendable (String) -> String {
        { id in ".sdp/logs/\(featureID)/\(id).log" }
    }

    /// The Chrome trace of `picture`.
    static func trace(_ picture: RunPicture) -> String {
        ChromeTrace(picture: picture, logPath: logPath(picture.featureID)).json
    }

    /// The HTML report of `picture`, with the last lines of each failed workstream's log.
    static func report(_ picture: RunPicture) -> String {
        let logPath = logPath(picture.featureID)
        var tails: [String: [String]] = [:]
        for row in picture.rows where row.state == "failed" {
            tails[row.id] = LogTail.read(logPath(row.id))
        }
        return HTMLReport(picture: picture, logPath: logPath, logTails: tails).html
    }

    /// Writes `text` to `path` atomically; the problem, named, if it fails. The folder is
    /// created only when `creatingFolder` (oneshot's own `.sdp/reports`): a path the user names
    /// in a folder that does not exist is refused, as `export -o` does, not guessed at.
    /// A device or a pipe (`/dev/stdout`, a FIFO), or a link to one, is written through: renaming
    /// a new file over it would replace it. A link to a file is followed, so the link stays.
    static func write(_ text: String, to path: String, creatingFolder: Bool = false) -> String? {
        guard !path.isEmpty else { return "cannot write to an empty path: give a file name, or - for standard output" }
        guard !path.hasSuffix("/") else { return "cannot write \(path): it names a folder, not a file" }
        switch try? Syscall.fileType(path, followingSymlink: true) {
        case S_IFDIR?: return "cannot write \(path): it is a folder, not a file"
        case S_IFREG?, nil: break
        default: return writeThrough(text, to: path)
        }
        let resolved = (try? Syscall.resolvedPath(path)) ?? path
        // A bare name is in the current folder, which the atomic write fsyncs by name.
        let target = resolved.contains("/") ? resolved : "./" + resolved
        let folder = String(target[..<(target.lastIndex(of: "/") ?? target.startIndex)])
        if !creatingFolder, let missing = missingFolder(of: path) { return missing }
        do throws(SystemError) {
            if !folder.isEmpty && creatingFolder { try Syscall.makeDirectories(folder) }
            try AtomicFile().write(Array(text.utf8), to: target)
            return nil
        } catch {
            return "cannot write \(path): \(error)"
        }
    }

    /// `cannot write out/t.json: folder out does not exist` when the folder `path` names is not
    /// there (or is not a folder); `nil` when it is.
    static func missingFolder(of path: String) -> String? {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return nil }
        let folder = String(path[..<slash])
        guard (try? Syscall.fileType(folder, followingSymlink: true)) != S_IFDIR else { return nil }
        return "cannot write \(path): folder \(folder) does not exist"
    }

    /// Writes `text` into the existing device or pipe `path`.
    private static func writeThrough(_ text: String, to path: String) -> String? {
        do throws(SystemError) {
            let fd = try Syscall.open(path, O_WRONLY | O_CLOEXEC)
            defer { Syscall.close(fd) }
            try Syscall.writeAll(fd, Array(text.utf8), path: path)
            return nil
        } catch {
            return "cannot write \(path): \(error)"
        }
    }
}
