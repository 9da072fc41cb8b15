#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// `KEY=VALUE` environment entries made into C strings once, for the many children that start
/// from the same environment (see ``ChildProcess/spawn(executable:arguments:environment:adding:outputFD:passedFD:parkingFD:)``):
/// copying some forty entries for every spawn cost several microseconds of each attempt.
///
/// Immutable once made; the C strings are freed with it.
public final class PreparedEnvironment: @unchecked Sendable {
    // @unchecked: the pointers are written once, in `init`, and only read (by `posix_spawn`) after.
    /// The entries, as given.
    public let entries: [String]
    /// One C string per entry, owned by this object.
    let pointers: [UnsafeMutablePointer<CChar>?]

    /// Copies `entries` to C strings.
    public init(_ entries: [String]) {
        self.entries = entries
        pointers = entries.map { strdup($0) }
    }

    deinit {
        pointers.forEach { free($0) }
    }
}
