#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

extension Syscall {
    /// This process's environment as its bytes, one `KEY=VALUE` entry each, in its order: a
    /// value that is not UTF-8 (a file name in a legacy encoding, random bytes) is kept as it is,
    /// where `ProcessInfo.environment` would turn it into U+FFFD. The corresponding C variable is
    /// `environ`.
    public static var environmentEntries: [[UInt8]] {
        #if canImport(Darwin)
            guard let table = _NSGetEnviron()?.pointee else { return [] }
        #else
            let table: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = environ
            guard let table else { return [] }
        #endif
        var entries: [[UInt8]] = []
        var index = 0
        while let entry = table[index] {
            entries.append(Array(UnsafeRawBufferPointer(start: entry, count: strlen(entry))))
            index += 1
        }
        return entries
    }
}
