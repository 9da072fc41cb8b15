import OneshotSystem
import Synchronization

/// What ``CommandExecutor/prepare(_:attempt:)`` made ready for a workstream's launch: its log,
/// open, and maybe its shell, parked.
struct PreparedLaunch: Sendable {
    /// The log, opened for appending.
    var fd: Int32
    /// Whether the log was empty when the preparation opened it (made by it, or left empty by
    /// a killed run): removed by a discard if it still is.
    var removable: Bool
    /// The attempt's shell, waiting to be released.
    var parked: ParkedShell?
}

/// The launches prepared ahead (``CommandExecutor/prepare(_:attempt:)``), by workstream id, shared
/// by every copy of the executor.
///
/// A preparation, a launch and a discard of one workstream may meet from different threads:
/// each entry says how far its preparation went, so that what it opened is always closed once,
/// by whichever comes last, and the launch never waits for a preparation.
final class PreparedLogs: Sendable {
    private enum Entry {
        /// The preparation is under way.
        case preparing
        /// Ready for the launch.
        case ready(PreparedLaunch)
        /// The launch came while it was being prepared: it did the work itself.
        case launched
        /// The workstream will not launch: the preparation undoes what it did.
        case discarded
    }

    private let entries = Mutex<[String: Entry]>([:])

    /// Opens `log` for `id`'s next attempt, and parks its shell with `park`, unless it is being
    /// prepared or has been.
    func prepare(_ id: String, log: WorkstreamLog, park: (Int32) -> ParkedShell?, grace: Duration) async {
        let claimed = entries.withLock { entries in
            guard entries[id] == nil else { return false }
            entries[id] = .preparing
            return true
        }
        guard claimed else { return }
        // On the caller's thread (the CLI's run loop, idle while a chain's step runs): handing it
        // to another thread cost more than it saved (chain of 500: 0.45 s against 0.39, p25).
        // The launch opens it again if this fails, and reports why.
        guard let opened = try? log.openAhead() else {
            entries.withLock { _ = $0.removeValue(forKey: id) }
            return
        }
        let prepared = PreparedLaunch(fd: opened.fd, removable: opened.removable, parked: park(opened.fd))
        let unwanted: Entry? = entries.withLock { entries in
            guard case .preparing? = entries[id] else { return entries.removeValue(forKey: id) }
            entries[id] = .ready(prepared)
            return nil
        }
        guard let unwanted else { return }
        // A launch opened the same log meanwhile (the file stays), or a discard came.
        let discarded = if case .discarded = unwanted { true } else { false }
        await undo(prepared, log: log, removingIfEmpty: discarded, grace: grace)
    }

    /// The pid of the shell parked for `id`, if one is.
    func parkedShell(_ id: String) -> Int32? {
        entries.withLock { entries in
            guard case .ready(let prepared)? = entries[id] else { return nil }
            return prepared.parked?.child.pid
        }
    }

    /// What was prepared for `id`'s launch, now the caller's, if it is ready.
    func take(_ id: String) -> PreparedLaunch? {
        entries.withLock { entries in
            switch entries[id] {
            case .ready(let prepared)?:
                entries[id] = nil
                return prepared
            case .preparing?:
                entries[id] = .launched
                return nil
            default:
                return nil
            }
        }
    }

    /// Undoes what was prepared for `id`, which will not launch; removes the log if it was empty
    /// when the preparation opened it and nothing was written to it since.
    func discard(_ id: String, log: WorkstreamLog, grace: Duration) async {
        let entry: Entry? = entries.withLock { entries in
            switch entries[id] {
            case .preparing?:
                entries[id] = .discarded
                return nil
            case .ready?:
                return entries.removeValue(forKey: id)
            default:
                return nil
            }
        }
        guard case .ready(let prepared)? = entry else { return }
        await undo(prepared, log: log, removingIfEmpty: true, grace: grace)
    }

    /// Ends the parked shell (it runs nothing), then closes the log.
    private func undo(_ prepared: PreparedLaunch, log: WorkstreamLog, removingIfEmpty: Bool, grace: Duration) async {
        await prepared.parked?.cancel(grace: grace)
        log.close(prepared.fd, removingIfEmpty: removingIfEmpty && prepared.removable)
    }
}
