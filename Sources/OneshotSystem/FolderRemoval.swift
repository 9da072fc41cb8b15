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
/// walk (`.moved`) rather than let it remove where the folder went. An open folder moved (or one
/// above it, up to the root) is caught too: every few removals (as many as the folders from the
/// root down, so the check costs about one `fstatat` per removal) the walk checks that each
/// folder is still where it found it, and stops at the first that is not, having removed at
/// most that many entries where it went. No path is ever resolved:
/// each step is `openat`/`unlinkat` on a name, so a tree deeper than `PATH_MAX` is removed too,
/// and paths are spelled out only for what is reported.
struct FolderRemoval {
    /// Which folder an opened descriptor is: compared when a folder is reached again by `..`.
    private struct Identity: Equatable {
        var file: FileID
        var mount: MountIdentity
    }

    /// A folder from the root down to `parent`, all open for the walk: where a folder is checked
    /// to still be.
    struct Ancestor {
        /// Its name in the one above (the root's is its path).
        var name: [UInt8]
        var descriptor: Int32
        var file: FileID
        /// Its path, for messages.
        var path: String
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
    /// The folders from the root down to `parent` (its last), open: checked to be where they were.
    private let ancestors: [Ancestor]
    /// How many removals between two checks that every folder is where the walk found it:
    /// `nil` for as many as there are folders from the root down (tests set 1).
    private let checkInterval: Int?
    /// Removals left before the next check (the first removal is checked).
    private var untilCheck = 0
    private let base: MountIdentity
    private let budget: Int
    private let willReopenParent: (@Sendable (String) -> Void)?
    private var levels: [Level] = []
    /// `levels[firstOpen...]` are open, those before it closed.
    private var firstOpen = 0
    private var left: [TreeRemoval.Left] = []

    init(
        ancestors: [Ancestor], base: MountIdentity, budget: Int, checkInterval: Int? = nil,
        willReopenParent: (@Sendable (String) -> Void)?
    ) {
        self.parent = ancestors[ancestors.count - 1].descriptor
        self.parentPath = ancestors[ancestors.count - 1].path
        self.ancestors = ancestors
        self.checkInterval = checkInterval
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
                guard try visit(entry, in: levels[depth].descriptor!) else { break }
            } else if try !leave() {
                break
            }
        }
        return left
    }

    /// Enters the folder `entry` or removes the file; `false` when the walk stops there (the
    /// folder it is in moved).
    private mutating func visit(_ entry: (name: [UInt8], type: mode_t?), in folder: Int32) throws(SystemError) -> Bool {
        var type = entry.type
        if type == nil {
            type = try naming(path(then: entry.name)) { () throws(SystemError) in
                try Syscall.entryType(entry.name, in: folder, path: "")
            }
        }
        guard let type else { return true }
        if type == S_IFDIR {
            try enter(entry.name, in: folder)
            return true
        }
        guard try stillInPlace() else { return false }
        try removeFile(entry.name, in: folder)
        return true
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
    /// - Returns: `false` when its parent, reopened through `..`, is no longer the folder it was,
    ///   or a check finds a folder moved: the walk stops there, and says so in what is left.
    private mutating func leave() throws(SystemError) -> Bool {
        let depth = levels.count - 1
        if depth > 0, levels[depth - 1].descriptor == nil {
            guard let reopened = try reopenParent(of: depth) else {
                left.append(TreeRemoval.Left(path: path(count: 1), reason: .moved(path())))
                return false
            }
            levels[depth - 1].descriptor = reopened
            firstOpen = depth - 1
        }
        guard try stillInPlace() else { return false }
        let level = levels.removeLast()
        defer { Syscall.close(level.descriptor!) }
        if left.count == level.leftBefore {
            try naming(path(then: level.name)) { () throws(SystemError) in
                try Syscall.removeEntry(level.name, in: levels.last?.descriptor ?? parent, isFolder: true, path: "")
            }
        }
        return true
    }

    /// The folder `..` of `levels[depth]` when it is still `levels[depth - 1]`'s folder, open.
    private func reopenParent(of depth: Int) throws(SystemError) -> Int32? {
        // Paths only when asked for: spelled out at every level, a deep tree's would cost its
        // depth squared (5,000 levels: 1.5 s of CPU).
        willReopenParent?(path())
        let up = try naming(path() + "/..") { () throws(SystemError) in
            try Syscall.openFolder([0x2E, 0x2E], in: levels[depth].descriptor!, path: "")
        }
        let identity = try naming(path() + "/..") { () throws(SystemError) in try Self.identity(of: up) }
        guard identity == levels[depth - 1].identity else {
            Syscall.close(up)
            return nil
        }
        return up
    }

    /// Whether the deepest folder is still where the walk found it, checked when due: each
    /// folder from it up named as it was in the one above (reached through `..` when closed), up
    /// to the root. `false`, with the first folder that moved in what is left, stops the walk.
    private mutating func stillInPlace() throws(SystemError) -> Bool {
        untilCheck -= 1
        guard untilCheck < 0 else { return true }
        untilCheck = max(1, checkInterval ?? (ancestors.count + levels.count)) - 1
        guard let moved = try movedLevel() else { return true }
        left.append(TreeRemoval.Left(path: path(count: 1), reason: .moved(moved)))
        return false
    }

    /// The path of the first folder, from the root down, that is no longer where the walk found
    /// it, or `nil`.
    private func movedLevel() throws(SystemError) -> String? {
        // At most one `..` open at a time, however many folders are closed.
        var held: Int32?
        defer { held.map(Syscall.close) }
        var child = levels[levels.count - 1].descriptor!
        for index in levels.indices.reversed() {
            let above: Int32
            if index == 0 {
                above = parent
            } else if let open = levels[index - 1].descriptor {
                above = open
            } else {
                above = try naming(path(count: index + 1) + "/..") { () throws(SystemError) in
                    try Syscall.openFolder([0x2E, 0x2E], in: child, path: "")
                }
                held.map(Syscall.close)
                held = above
                let info = try naming(path(count: index)) { () throws(SystemError) in try Syscall.status(of: above, path: "") }
                guard levels[index - 1].identity.file == FileID(info) else { return path(count: index + 1) }
            }
            let level = levels[index]
            guard try names(level.name, in: above, level.identity.file, path: path(count: index + 1)) else {
                return path(count: index + 1)
            }
            child = above
        }
        for index in ancestors.indices.dropFirst().reversed() {
            let ancestor = ancestors[index]
            if try !names(ancestor.name, in: ancestors[index - 1].descriptor, ancestor.file, path: ancestor.path) {
                return ancestor.path
            }
        }
        return nil
    }

    /// Whether `name` in `folder` is `file` (a symlink not followed); an error names `path`.
    private func names(_ name: [UInt8], in folder: Int32, _ file: FileID, path: String) throws(SystemError) -> Bool {
        try Syscall.entryStatus(name, in: folder, path: path).map(FileID.init) == file
    }

    private mutating func closeAll() {
        for index in levels.indices { levels[index].descriptor.map(Syscall.close) }
        levels.removeAll()
    }

    private static func identity(of folder: Int32) throws(SystemError) -> Identity {
        let info = try Syscall.status(of: folder, path: "")
        return Identity(file: FileID(info), mount: try Syscall.mountIdentity(of: folder, path: ""))
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
