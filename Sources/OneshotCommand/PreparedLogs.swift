import OneshotSystem
import Synchronization

/// The logs opened ahead of their workstreams' launches (``CommandExecutor/prepare(_:)``), by
/// workstream id, shared by every copy of the executor.
///
/// A preparation, a launch and a discard of one workstream may meet from different threads:
/// each entry says how far its opening went, so that a descriptor is always closed once, by
/// whichever comes last, and the launch never waits for a preparation.
final class PreparedLogs: Sendable {
    private enum Entry {
        /// The preparation is opening the log.
        case opening
        /// Open, ready for the launch; `created` when the preparation made the file.
        case open(fd: Int32, created: Bool)
        /// The launch came while the log was being opened: it opened its own.
        case launched
        /// The workstream will not launch: the preparation closes what it opens.
        case discarded
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// Opens `log` for `id`'s next attempt, unless it is being prepared or has been.
    func prepare(_ id: String, log: WorkstreamLog) {
        let claimed = entries.withLock { entries in
            guard entries[id] == nil else { return false }
            entries[id] = .opening
            return true
        }
        guard claimed else { return }
        // The launch opens it again if this fails, and reports why.
        let opened = try? log.openAhead()
        let unwanted: Entry? = entries.withLock { entries in
            guard case .opening? = entries[id], let opened else { return entries.removeValue(forKey: id) }
            entries[id] = .open(fd: opened.fd, created: opened.created)
            return nil
        }
        guard let opened, let unwanted else { return }
        if case .discarded = unwanted {
            log.close(opened.fd, removingIfCreatedEmpty: opened.created)
        } else {
            // A launch opened the same log meanwhile: the file stays.
            Syscall.close(opened.fd)
        }
    }

    /// The descriptor prepared for `id`'s launch, now the caller's, if one is open.
    func take(_ id: String) -> Int32? {
        entries.withLock { entries in
            switch entries[id] {
            case .open(let fd, _)?:
                entries[id] = nil
                return fd
            case .opening?:
                entries[id] = .launched
                return nil
            default:
                return nil
            }
        }
    }

    /// Closes what was prepared for `id`, which will not launch; removes the log if the
    /// preparation created it and nothing was written to it.
    func discard(_ id: String, log: WorkstreamLog) {
        let entry: Entry? = entries.withLock { entries in
            switch entries[id] {
            case .opening?:
                entries[id] = .discarded
                return nil
            case .open?:
                return entries.removeValue(forKey: id)
            default:
                return nil
            }
        }
        guard case .open(let fd, let created)? = entry else { return }
        log.close(fd, removingIfCreatedEmpty: created)
    }
}
