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
    static func write(_ text: String, to path: String) -> String? {
        // A bare name is in the current folder, which the atomic write fsyncs by name.
        let target = path.contains("/") ? path : "./" + path
        do throws(SystemError) {
            try Syscall.makeDirectories((target as NSString).deletingLastPathComponent)
            try AtomicFile().write(Array(text.utf8), to: target)
            return nil
        } catch {
            return "cannot write \(path): \(error)"
        }
    }
}
