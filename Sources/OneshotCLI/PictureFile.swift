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

    /// Writes `text` to `path` atomically, creating its folder; the problem, named, if it fails.
    /// A device or a pipe (`/dev/stdout`, a FIFO), or a link to one, is written through: renaming
    /// a new file over it would replace it. A link to a file is followed, so the link stays.
    static func write(_ text: String, to path: String) -> String? {
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
        do throws(SystemError) {
            if !folder.isEmpty { try Syscall.makeDirectories(folder) }
            try AtomicFile().write(Array(text.utf8), to: target)
            return nil
        } catch {
            return "cannot write \(path): \(error)"
        }
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
