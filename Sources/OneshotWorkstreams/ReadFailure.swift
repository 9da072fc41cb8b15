import Foundation
import OneshotSystem

/// Why a feature's file or folder could not be read, in the words of a one-line error: the
/// system's reason (`too many open files (raise ulimit -n)`, `permission denied`), not only
/// that it failed.
enum ReadFailure {
    /// The reason a listing or read threw.
    static func reason(_ error: any Error) -> String {
        if let error = error as? SystemError { return reason(error) }
        let error = error as NSError
        let posix =
            (error.userInfo[NSUnderlyingErrorKey] as? NSError).flatMap { $0.domain == NSPOSIXErrorDomain ? $0 : nil }
            ?? (error.domain == NSPOSIXErrorDomain ? error : nil)
        guard let posix else { return cocoaReason(error) }
        let text = plain(posix.localizedDescription)
        // EMFILE and ENFILE: the limit, not the file, is at fault.
        return posix.code == 24 || posix.code == 23 ? text + " (raise ulimit -n)" : text
    }

    /// The reason of a failed system call: its `strerror` text, as Foundation words it too.
    static func reason(_ error: SystemError) -> String {
        let text = plain(error.reason)
        return error.errno == 24 || error.errno == 23 ? text + " (raise ulimit -n)" : text
    }

    /// Foundation's own codes, without its "The operation could not be completed." preamble.
    private static func cocoaReason(_ error: NSError) -> String {
        if error.domain == NSCocoaErrorDomain {
            switch error.code {
            case NSFileReadNoPermissionError: return "permission denied"
            case NSFileReadNoSuchFileError: return "no such file or directory"
            default: break
            }
        }
        return plain(error.localizedDescription)
    }

    /// `text` without Foundation's preamble, lowercased as the middle of a sentence.
    private static func plain(_ text: String) -> String {
        let preamble = "The operation could not be completed. "
        let reason = text.hasPrefix(preamble) ? text.dropFirst(preamble.count) : Substring(text)
        return reason.prefix(1).lowercased() + reason.dropFirst()
    }
}
