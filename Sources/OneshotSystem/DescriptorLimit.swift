import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's limit on open descriptors (`RLIMIT_NOFILE`), and how many attempts it leaves
/// room for at once.
///
/// oneshot's own descriptors running out is not a workstream's failure: the CLI raises the soft
/// limit to the hard one at start and caps `-j` to what the rest allows.
public enum DescriptorLimit {
    /// Descriptors one running attempt holds: its log and its pidfd, plus one opened for a moment
    /// (the report file, the log's tail, the journal's folder). Measured: 20 attempts of
    /// `sleep` at once hold 40 more than none.
    public static let perAttempt = 3
    /// Descriptors kept for the run itself beyond those open when counting: the journal, the
    /// snapshot's temporary file, the folder opened for its fsync, the event loop's pipe, a margin.
    public static let reserve = 12

    /// Raises the soft limit to the hard one (on macOS, at most `OPEN_MAX`). The corresponding C
    /// function is `setrlimit`.
    ///
    /// - Returns: the soft limit afterwards; `nil` when it is unlimited or unknown.
    @discardableResult
    public static func raiseSoftLimit() -> Int? {
        guard var limit = current() else { return nil }
        #if canImport(Darwin)
            let target = min(limit.rlim_max, rlim_t(OPEN_MAX))
        #else
            let target = limit.rlim_max
        #endif
        if limit.rlim_cur < target {
            limit.rlim_cur = target
            // Refused (a sandbox, a container): the current limit stays, and the cap accounts for it.
            _ = try? Syscall.retrying("setrlimit") { apply(&limit) }
        }
        return softLimit
    }

    /// The soft limit; `nil` when it is unlimited or unknown.
    public static var softLimit: Int? {
        // Unlimited (RLIM_INFINITY) is beyond any count.
        guard let limit = current(), limit.rlim_cur < rlim_t(Int32.max) else { return nil }
        return Int(limit.rlim_cur)
    }

    /// The descriptors open now.
    public static func openCount() -> Int {
        #if os(Linux)
            // The listing holds one descriptor of its own while it reads.
            if let names = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
                return max(0, names.count - 1)
            }
        #endif
        let top = Int32(min(softLimit ?? 4096, 65_536))
        return (0..<top).reduce(0) { $0 + (Syscall.isOpen($1) ? 1 : 0) }
    }

    /// The most attempts that can run at once with the descriptors left now (0 when not even one
    /// can); `nil` when the limit is unlimited or unknown.
    public static func attemptsAllowed() -> Int? {
        guard let soft = softLimit else { return nil }
        return max(0, (soft - openCount() - reserve) / perAttempt)
    }

    private static func current() -> rlimit? {
        var limit = rlimit()
        #if os(Linux)
            let result = getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        #else
            let result = getrlimit(RLIMIT_NOFILE, &limit)
        #endif
        return result == 0 ? limit : nil
    }

    private static func apply(_ limit: inout rlimit) -> Int32 {
        #if os(Linux)
            setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        #else
            setrlimit(RLIMIT_NOFILE, &limit)
        #endif
    }
}
