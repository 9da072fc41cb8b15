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

    /// Copies `entries`, each `KEY=VALUE` as bytes, to C strings byte for byte: a value that is
    /// not UTF-8 reaches the children as it is (``entries`` shows it with U+FFFD).
    public init(bytes entries: [[UInt8]]) {
        self.entries = entries.map { String(decoding: $0, as: UTF8.self) }
        // malloc, as strdup does: `deinit` frees them all alike.
        pointers = entries.map { entry in
            let copy = malloc(entry.count + 1)!.assumingMemoryBound(to: CChar.self)
            entry.withUnsafeBytes { raw in
                if let base = raw.baseAddress { UnsafeMutableRawPointer(copy).copyMemory(from: base, byteCount: raw.count) }
            }
            copy[entry.count] = 0
            return copy
        }
    }

    /// The entries as the bytes the children get, `KEY=VALUE` each, in order: what a child
    /// started by another program (a batch system's job) is to get too.
    public var entryBytes: [[UInt8]] {
        pointers.map { pointer in
            guard let pointer else { return [] }
            return Array(UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)))
        }
    }

    deinit {
        pointers.forEach { free($0) }
    }
}
