#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The machine and boot this process runs on, recorded with every process a checkpoint names:
/// a pid means something only on the boot that assigned it.
public enum Machine {
    /// This boot's id (`/proc/sys/kernel/random/boot_id`), or `nil` where the platform has none.
    public static let bootID: String? = {
        guard let bytes = Syscall.readSmallFile("/proc/sys/kernel/random/boot_id", limit: 128) else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).filter { !$0.isWhitespace }
        return text.isEmpty ? nil : text
    }()

    /// This process's pid namespace: the inode of `/proc/self/ns/pid`, or `nil` where there is
    /// none (not Linux). A pid means something only in the namespace that assigned it: two
    /// containers may share the boot and even the host name, not their pids.
    public static let pidNamespace: UInt64? = try? Syscall.inodeNumber("/proc/self/ns/pid")

    /// The host name (`gethostname`), or `"localhost"` when it cannot be read.
    public static let hostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return name.isEmpty ? "localhost" : name
    }()

    /// The processors online (`sysconf(_SC_NPROCESSORS_ONLN)`), at least 1.
    public static let processorCount: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
}
