/// What ``Syscall/readWholeFile(_:limit:)`` found at a path.
public enum WholeFile: Sendable, Equatable {
    /// The file's bytes, all of them.
    case contents([UInt8])
    /// A folder, FIFO, socket or device: nothing was read (and nothing blocked).
    case notRegular
    /// A regular file larger than the limit, with its size in bytes: nothing was read.
    case tooLarge(size: Int)
}
