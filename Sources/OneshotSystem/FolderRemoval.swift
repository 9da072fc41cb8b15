#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Removes one folder and what is in it for ``TreeRemoval``, with at most `budget` of its
/// folders open at once however deep the tree goes: a folder closed to stay within the budget
/// is reached again through `..` from its child, and only when that `..` is the very folder
/// (device, inode and mount) it left — a folder moved while the walk was below it stops the
/// walk (`.moved`) rather than let it remove where the folder went. No path is ever resolved:
/// each step is `openat`/`unlinkat` on a name, so a tree deeper than `PATH_MAX` is removed too,
/// and paths are spelled out only for what is reported.
struct FolderRemoval {
    /// Which folder an opened descriptor is: compared when a folder is reached again by `..`.
    private struct Identity: Equatable {
        var device: UInt64
        var inode: UInt64
        var mount: MountIdentity
    }

    /// A folder on the way down from the one removed (`levels[0]`).
    private struct Level {
        var name: [UInt8]
        /// `nil` once closed to stay within the budget.
        var descriptor: Int32?
        var identity: Identity
        /// The entries not yet looked at, the next one last (byte order, so that the same tree
        /// always fails at the same path).
        var pending: [(name: [UInt8], type: mode_t?)]
        /// How much was left in place when it was entered: more on leaving it keeps it.
        var leftBefore: Int
    }

    /// The folder holding the one removed; stays open (the caller's).
    private let parent: Int32
    /// `parent`'s path, for messages.
    private let parentPath: String
    private let base: MountIdentity
    private let budget: Int
    private let willReopenParent: (@Sendable (String) -> Void)?
    private var levels: [Level] = []
    /// `levels[firstOpen...]` are open, those before it closed.
    private var firstOpen = 0
    private var left: [TreeRemoval.Left] = []

    init(
        parent: Int32, parentPath: String, base: MountIdentity, budget: Int,
        willReopenParent: (@Sendable (String) -> Void)?
    ) {
        self.parent = parent
        self.parentPath = parentPath
        self.base = base
        self.budget = max(1, budget)
        self.willReopenParent = willReopenParent
    }

    /// Removes the folder `name` in `parent` and what is in it, but for mount points: those
    /// are left, and the folders that hold them with them.
    mutating func remove(_ name: [UInt8]) throws(SystemError) -> [TreeRemoval.Left] {
        defer { closeAll() }
        try enter(name, in: parent)
        while let depth = levels.indices.last {
            if let entry = levels[depth].pending.popLast() {
                try visit(entry, in: levels[depth].descriptor!)
            } else if try !leave() {
                break
            }
        }
        return left
    }

    private mutating func visit(_ entry: (name: [UInt8], type: mode_t?), in folder: Int32) throws(SystemError) {
        var type = entry.type
        if type == nil {
            type = try naming(path(then: entry.name)) { () throws(SystemError) in
                try Syscall.entryType(entry.name, in: folder, path: "")
            }
        }
        guard let type else { return }
        if type == S_IFDIR {
            try enter(entry.name, in: folder)
        } else {
            try removeFile(entry.name, in: folder)
        }
    }

    /// Removes the file (or symlink) `name` in `folder`; one that is a mount point (`EBUSY`) is
    /// left in place, as ``TreeRemoval`` leaves it.
    private mutating func removeFile(_ name: [UInt8], in folder: Int32) throws(SystemError) {
        do {
            try Syscall.removeEntry(name, in: folder, isFolder: false, path: "")
        } catch  where error.errno == EBUSY {
            left.append(TreeRemoval.Left(path: path(then: name), reason: .mountPoint))
        } catch {
            var named = error
            named.path = path(then: name)
            throw named
        }
    }

    /// Opens the folder `name` in `folder` and reads its entries, or leaves it in place when it
    /// is a mount point; closes the outermost open folder when that goes over the budget.
    private mutating func enter(_ name: [UInt8], in folder: Int32) throws(SystemError) {
        let opened = try naming(path(then: name)) { () throws(SystemError) in try Syscall.openFolder(name, in: folder, path: "") }
        var kept = false
        defer { if !kept { Syscall.close(opened) } }
        let identity = try naming(path(then: name)) { () throws(SystemError) in try Self.identity(of: opened) }
        guard identity.mount.isSameMount(as: base) else {
            left.append(TreeRemoval.Left(path: path(then: name), reason: .mountPoint))
            return
        }
        let entries = try naming(path(then: name)) { () throws(SystemError) in try Syscall.rawEntries(of: opened, path: "") }
        let pending = entries.sorted { $1.name.lexicographicallyPrecedes($0.name) }
        levels.append(Level(name: name, descriptor: opened, identity: identity, pending: pending, leftBefore: left.count))
        kept = true
        while levels.count - firstOpen > budget {
            levels[firstOpen].descriptor.map(Syscall.close)
            levels[firstOpen].descriptor = nil
            firstOpen += 1
        }
    }

    /// Leaves the deepest folder, removing it when nothing under it was left in place.
    ///
    /// - Returns: `false` when its parent, reopened through `..`, is no longer the folder it was
    ///   (one of them moved): the walk stops there, and says so in what is left.
    private mutating func leave() throws(SystemError) -> Bool {
        let level = levels.removeLast()
        let child = level.descriptor!
        defer { Syscall.close(child) }
        let folder: Int32
        if levels.isEmpty {
            folder = parent
        } else if let open = levels[levels.count - 1].descriptor {
            folder = open
        } else {
            guard let reopened = try reopenParent(of: child, named: level.name) else {
                left.append(TreeRemoval.Left(path: path(count: 1), reason: .moved(path(then: level.name))))
                return false
            }
            levels[levels.count - 1].descriptor = reopened
            firstOpen = levels.count - 1
            folder = reopened
        }
        if left.count == level.leftBefore {
            try naming(path(then: level.name)) { () throws(SystemError) in
                try Syscall.removeEntry(level.name, in: folder, isFolder: true, path: "")
            }
        }
        return true
    }

    /// The folder `..` of `child` when it is still the deepest remaining level's folder, open.
    private func reopenParent(of child: Int32, named name: [UInt8]) throws(SystemError) -> Int32? {
        // Paths only when asked for: spelled out at every level, a deep tree's would cost its
        // depth squared (5,000 levels: 1.5 s of CPU).
        willReopenParent?(path(then: name))
        let up = try naming(path(then: name) + "/..") { () throws(SystemError) in
            try Syscall.openFolder([0x2E, 0x2E], in: child, path: "")
        }
        let identity = try naming(path(then: name) + "/..") { () throws(SystemError) in try Self.identity(of: up) }
        guard identity == levels[levels.count - 1].identity else {
            Syscall.close(up)
            return nil
        }
        return up
    }

    private mutating func closeAll() {
        for index in levels.indices { levels[index].descriptor.map(Syscall.close) }
        levels.removeAll()
    }

    private static func identity(of folder: Int32) throws(SystemError) -> Identity {
        let info = try Syscall.status(of: folder, path: "")
        return Identity(
            device: UInt64(truncatingIfNeeded: info.st_dev), inode: UInt64(truncatingIfNeeded: info.st_ino),
            mount: try Syscall.mountIdentity(of: folder, path: ""))
    }

    /// The path of the first `count` levels (all by default), then `name`: spelled out only when
    /// needed, since a deep tree's paths grow with its depth.
    private func path(count: Int? = nil, then name: [UInt8]? = nil) -> String {
        var parts = [parentPath]
        parts += levels.prefix(count ?? levels.count).map { ByteName.text($0.name) }
        if let name { parts.append(ByteName.text(name)) }
        return parts.joined(separator: "/")
    }

    /// Runs `body`, naming `path` in the error it throws (the calls are made with no path, which
    /// would cost a deep tree's length at every step).
    private func naming<T>(_ path: @autoclosure () -> String, _ body: () throws(SystemError) -> T) throws(SystemError) -> T {
        do {
            return try body()
        } catch {
            var named = error
            named.path = path()
            throw named
        }
    }
}
