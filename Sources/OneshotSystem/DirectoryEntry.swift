/// One name in a folder, as ``Syscall/directoryEntries(_:)`` reads it: the name and what the
/// folder says it is, so that a walk over thousands of files needs no `stat` per file.
public struct DirectoryEntry: Sendable, Equatable {
    /// What is at a path.
    public enum Kind: Sendable, Equatable {
        /// A regular file.
        case regular
        /// A folder.
        case directory
        /// A symbolic link (not followed).
        case symlink
        /// A FIFO, socket or device.
        case other
        /// The file system did not say (`DT_UNKNOWN`): ask ``Syscall/kind(of:followingSymlink:)``.
        case unknown
    }

    /// The name, without the folder (a name that is not UTF-8 has U+FFFD for its faulty bytes:
    /// it names no file then, see ``nameIsUTF8``).
    public var name: String
    /// What the entry is, the link itself for a symlink.
    public var kind: Kind
    /// Whether the folder's bytes for the name are valid UTF-8, so that ``name`` is the path.
    public var nameIsUTF8: Bool

    /// Creates an entry.
    public init(name: String, kind: Kind, nameIsUTF8: Bool = true) {
        self.name = name
        self.kind = kind
        self.nameIsUTF8 = nameIsUTF8
    }
}
