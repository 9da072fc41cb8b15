#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Syscall {
    /// The width in columns of the terminal `fd` writes to, or `nil` when `fd` is not a
    /// terminal or the terminal does not say (a pty whose size was never set reports 0).
    ///
    /// The corresponding C call is `ioctl(fd, TIOCGWINSZ, &size)`.
    public static func terminalColumns(_ fd: Int32) -> Int? {
        var size = winsize()
        let result = try? retrying("ioctl") { ioctl(fd, UInt(TIOCGWINSZ), &size) }
        guard result != nil, size.ws_col > 0 else { return nil }
        return Int(size.ws_col)
    }
}
