#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Removes files and trees under one folder (`oneshot clean` under `.sdp`) without ever leaving
/// it: every step is made relative to an opened folder (`openat`, `fstatat`, `unlinkat`) with
/// the entry's bytes as its name, so that
/// - a symlink is removed itself, never followed, and a symlinked folder on the way to a target
///   (`.sdp/logs` pointing elsewhere) leaves the target in place;
/// - a mount point under the folder (another file system, or a bind mount of the same one, of
///   a folder or of a file) is left in place with what is on it;
/// - a swap of a folder for a symlink while it runs makes the walk fail (`ELOOP`), not follow it;
/// - a name that is not UTF-8 is removed all the same;
/// - a tree of any depth is removed with a bounded number of descriptors (see `FolderRemoval`),
///   and a folder moved out from under the walk (or one above it) stops it
///   (``Left/Reason/moved(_:)``) rather than let it remove where the folder went: the walk checks
///   every few removals that each folder from the root down is still where it found it, so at
///   most that many entries go where it went (no call removes a name only while its folder is
///   in place).
public struct TreeRemoval: Sendable {
    /// What was left in place and why.
    public struct Left: Sendable, Equatable {
        /// Why.
        public enum Reason: Sendable, Equatable {
            /// ``Left/path`` is a mount point: another file system, or a bind mount.
            case mountPoint
            /// The folder at this path, on the way to ``Left/path``, is a symlink.
            case symlink(String)
            /// The folder at this path, under ``Left/path``, moved (renamed elsewhere, or its
            /// parent did) while it was being removed: the removal stopped there, and what was not
            /// removed yet is left.
            case moved(String)
        }

        /// What was not removed, as text (see ``ByteName``).
        public var path: String
        /// Why.
        public var reason: Reason

        /// Creates one.
        public init(path: String, reason: Reason) {
            self.path = path
            self.reason = reason
        }
    }

    /// How a removal ended.
    public enum Outcome: Sendable, Equatable {
        /// Nothing was there.
        case absent
        /// It was there and is gone.
        case removed
        /// Some of it was left in place; the rest is gone.
        case left([Left])
    }

    /// The folder nothing outside which is removed (itself may be a symlink: it is opened as
    /// the user set it up).
    public let root: String

    /// How many folders of a tree are kept open at once: deeper ones are reached again
    /// through `..` (checked to be the folder they were).
    var descriptorBudget = 16

    /// How many removals between two checks that the folders are still where the walk found
    /// them (`nil`: as many as there are folders from the root down). Tests set 1.
    var checkInterval: Int?

    /// Called with a folder's path just before its parent is reached again through `..`: where
    /// tests move a folder to race the walk.
    var willReopenParent: (@Sendable (String) -> Void)?

    /// Creates one for `root`.
    public init(root: String) {
        self.root = root
    }

    /// Removes the file or tree `components` names under ``root``.
    ///
    /// - Throws: ``SystemError`` naming the first path that could not be opened, listed or
    ///   removed; what was removed before it stays removed.
    public func remove(_ components: [[UInt8]]) throws(SystemError) -> Outcome {
        guard let name = components.last else { return .absent }
        let step = try withFolder(Array(components.dropLast()), target: name) {
            (chain, base) throws(SystemError) -> Outcome in
            let folder = chain[chain.count - 1].descriptor
            let path = chain[chain.count - 1].path + "/" + ByteName.text(name)
            guard let type = try Syscall.entryType(name, in: folder, path: path) else { return .absent }
            guard type == S_IFDIR else {
                if let left = try removeFile(name, in: folder, path: path) { return .left([left]) }
                return .removed
            }
            let left = try removeFolder(name, under: chain, base: base)
            return left.isEmpty ? .removed : .left(left)
        }
        switch step {
        case .absent: return .absent
        case .left(let left): return .left([left])
        case .reached(let outcome): return outcome
        }
    }

    /// The names in the folder `components` names under ``root``, as bytes: empty when there is
    /// no such folder, or when it is reached through a symlink or another mount.
    public func names(in components: [[UInt8]]) throws(SystemError) -> [[UInt8]] {
        let step = try withFolder(components, target: nil) { (chain, _) throws(SystemError) -> [[UInt8]] in
            try Syscall.rawEntries(of: chain[chain.count - 1].descriptor, path: chain[chain.count - 1].path).map(\.name)
        }
        guard case .reached(let names) = step else { return [] }
        return names
    }

    /// How far ``withFolder(_:target:_:)`` went.
    private enum Step<Value> {
        case absent
        case left(Left)
        case reached(Value)
    }

    /// Opens the folder `components` names, one step at a time, and runs `body` with the folders
    /// from ``root`` down to it (all open until `body` returns: a removal checks that they are
    /// still where they were) and the mount of ``root``; `.absent` when it is not there, `.left`
    /// (naming the folder, or `target` in it) when a step is a symlink or another mount.
    private func withFolder<Value>(
        _ components: [[UInt8]],
        target: [UInt8]?,
        _ body: ([FolderRemoval.Ancestor], MountIdentity) throws(SystemError) -> Value
    ) throws(SystemError) -> Step<Value> {
        let top: Int32
        do {
            top = try Syscall.open(root, O_RDONLY | O_DIRECTORY)
        } catch  where error.errno == ENOENT || error.errno == ENOTDIR {
            return .absent
        }
        var chain = [try Self.ancestor(Array(root.utf8), top, path: root)]
        defer { chain.forEach { Syscall.close($0.descriptor) } }
        let base = try Syscall.mountIdentity(of: top, path: root)
        let targetPath = ([root] + components.map { ByteName.text($0) } + (target.map { [ByteName.text($0)] } ?? [])).joined(
            separator: "/")
        for name in components {
            let folder = chain[chain.count - 1]
            let next = folder.path + "/" + ByteName.text(name)
            switch try Syscall.entryType(name, in: folder.descriptor, path: next) {
            case S_IFDIR?: break
            case S_IFLNK?: return .left(Left(path: targetPath, reason: .symlink(next)))
            default: return .absent
            }
            let opened = try Syscall.openFolder(name, in: folder.descriptor, path: next)
            do {
                chain.append(try Self.ancestor(name, opened, path: next))
            } catch {
                Syscall.close(opened)
                throw error
            }
            guard try Syscall.mountIdentity(of: opened, path: next).isSameMount(as: base) else {
                return .left(Left(path: next, reason: .mountPoint))
            }
        }
        return .reached(try body(chain, base))
    }

    private static func ancestor(_ name: [UInt8], _ descriptor: Int32, path: String) throws(SystemError) -> FolderRemoval.Ancestor
    {
        let info = try Syscall.status(of: descriptor, path: path)
        return FolderRemoval.Ancestor(name: name, descriptor: descriptor, file: FileID(info), path: path)
    }

    /// Removes the file (or symlink) `name` in `folder`; a file that is a mount point (a file
    /// bind-mounted over it: `EBUSY`, as for a `.nfs…` file NFS keeps for a reader) is left in
    /// place, as a folder that is one is.
    private func removeFile(_ name: [UInt8], in folder: Int32, path: String) throws(SystemError) -> Left? {
        do {
            try Syscall.removeEntry(name, in: folder, isFolder: false, path: path)
            return nil
        } catch  where error.errno == EBUSY {
            return Left(path: path, reason: .mountPoint)
        }
    }

    /// Removes the folder `name` in the last folder of `chain` and what is in it, but for mount
    /// points: those are left, and the folders that hold them with them.
    private func removeFolder(_ name: [UInt8], under chain: [FolderRemoval.Ancestor], base: MountIdentity) throws(SystemError)
        -> [Left]
    {
        var removal = FolderRemoval(
            ancestors: chain, base: base, budget: descriptorBudget, checkInterval: checkInterval,
            willReopenParent: willReopenParent)
        return try removal.remove(name)
    }
}
