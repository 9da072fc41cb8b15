#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failed system call: which call, on which path, and the `errno` it set.
///
/// Every syscall the project makes goes through ``Syscall``, which turns a `-1` return into
/// this error with the path the user needs to act on.
public struct SystemError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The C function that failed, e.g. `"fsync"`.
    public var call: String
    /// The file or folder the call was about, if any.
    public var path: String?
    /// The `errno` value the call set.
    public var errno: Int32

    /// Creates an error for `call` on `path` with `errno`.
    public init(call: String, path: String? = nil, errno: Int32) {
        self.call = call
        self.path = path
        self.errno = errno
    }

    /// The text of `strerror` for ``errno``.
    public var reason: String {
        guard let text = strerror(errno) else { return "errno \(errno)" }
        return String(cString: text)
    }

    /// `"fsync .sdp/checkpoints/F052-checkpoint.json: No space left on device (errno 28)"`.
    public var description: String {
        if let path {
            return "\(call) \(path): \(reason) (errno \(errno))"
        }
        return "\(call): \(reason) (errno \(errno))"
    }
}
