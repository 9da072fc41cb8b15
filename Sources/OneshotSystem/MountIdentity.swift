/// Where an opened file lives: see ``Syscall/mountIdentity(of:path:)``.
public struct MountIdentity: Sendable, Equatable {
    /// `st_dev`: the file system.
    public var device: UInt64
    /// The mount id, when the system tells it (Linux 5.8 and later); `nil` compares by device only.
    public var mountID: UInt64?

    /// Creates one.
    public init(device: UInt64, mountID: UInt64?) {
        self.device = device
        self.mountID = mountID
    }

    /// Whether `other` is on the same mount: the same device and, when both know it, the same
    /// mount id.
    public func isSameMount(as other: MountIdentity) -> Bool {
        guard device == other.device else { return false }
        guard let mountID, let otherID = other.mountID else { return true }
        return mountID == otherID
    }
}
