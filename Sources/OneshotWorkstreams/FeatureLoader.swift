import Dispatch
import OneshotSystem
import Synchronization

/// Finds and parses a feature's workstream files.
///
/// By default a feature `F052` is the folder `features/F052/` (every `*.md` at any depth).
/// With a features folder given (`--features docs/workstreams`), every `*.md` below it whose
/// `feature_id` is the feature's belongs to it.
public struct FeatureLoader: Sendable {
    /// Where the files are looked for.
    public enum Layout: Sendable {
        /// `<root>/<feature id>/**/*.md`.
        case folderPerFeature(root: String)
        /// Every `*.md` under the folder, selected by its `feature_id`.
        case tagged(root: String)
    }

    /// How to find the files.
    public var layout: Layout
    /// A prefix removed from paths in messages (the project root), so they read `features/F052/a.md`.
    public var displayBase: String?

    /// Creates a loader.
    public init(layout: Layout, displayBase: String? = nil) {
        self.layout = layout
        self.displayBase = displayBase
    }

    /// The error ``load(_:)`` throws when the folder it reads `id` from does not exist (`no such
    /// feature F9: folder features/F9 does not exist`), or `nil` when it does.
    public func missingFolder(_ id: FeatureID) -> InputError? {
        let root = folder(of: id).root
        guard (try? Syscall.kind(of: root, followingSymlink: true)) != .directory else { return nil }
        return InputError("no such feature \(id): folder \(display(root)) does not exist")
    }

    /// The folder `id`'s files are read from, and whether it holds other features' too.
    private func folder(of id: FeatureID) -> (root: String, tagged: Bool) {
        switch layout {
        case .folderPerFeature(let base): (Self.path(base, id.rawValue), false)
        case .tagged(let base): (base, true)
        }
    }

    /// Reads the feature.
    ///
    /// - Throws: ``InputErrors``: the folder is missing, no file declares a workstream, or files
    ///   are malformed (every such file is reported).
    public func load(_ id: FeatureID) throws(InputErrors) -> Feature {
        if let missing = missingFolder(id) { throw InputErrors([missing]) }
        let (root, tagged) = folder(of: id)
        var workstreams: [Workstream] = []
        var external: Set<String> = []
        var errors: [InputError] = []
        let files = try markdownFiles(under: root)
        workstreams.reserveCapacity(files.count)
        for parsed in parseAll(files) {
            do {
                guard let workstream = try parsed.get() else { continue }
                let belongs = workstream.featureID.map { $0 == id.rawValue } ?? !tagged
                if belongs {
                    workstreams.append(workstream)
                } else if tagged {
                    if workstream.isDeclaredDone { external.insert(workstream.id) }
                } else if let other = workstream.featureID {
                    errors.append(
                        InputError(
                            "feature_id is \(other) but the file is in the folder of \(id); move it or fix feature_id",
                            at: workstream.source
                        ))
                }
            } catch {
                errors.append(contentsOf: error.errors)
            }
        }
        if !errors.isEmpty { throw InputErrors(errors) }
        if workstreams.isEmpty {
            let whereText =
                tagged
                ? "no .md file under \(display(root)) has feature_id \(id)" : "no .md file in \(display(root)) declares a ws_id"
            throw InputErrors([InputError("feature \(id) has no workstreams: \(whereText)")])
        }
        return Feature(id: id, workstreams: workstreams, satisfiedExternally: external)
    }

    /// Every `*.md` under `root`, at any depth, following symlinked folders. A link that leads
    /// back to a folder already read (a loop, or one folder linked twice) and a dangling `*.md`
    /// link are errors naming the link: nothing under the feature is skipped silently.
    private func markdownFiles(under root: String) throws(InputErrors) -> [String] {
        var walk = FolderWalk()
        if let real = realPath(root) {
            walk.root = real
            walk.visited.insert(real)
        }
        collect(in: root, into: &walk)
        if !walk.errors.isEmpty { throw InputErrors(walk.errors) }
        return walk.files.sorted()
    }

    private struct FolderWalk {
        var files: [String] = []
        var errors: [InputError] = []
        /// The real paths of the folders read so far.
        var visited: Set<String> = []
        /// The real path of the feature's folder.
        var root = ""

        /// Whether `folder` holds the feature's folder: following a link to it loops.
        func encloses(_ folder: String) -> Bool {
            root.hasPrefix(folder.hasSuffix("/") ? folder : folder + "/")
        }
    }

    private func collect(in folder: String, into walk: inout FolderWalk) {
        let entries: [DirectoryEntry]
        do {
            entries = try Syscall.directoryEntries(folder)
        } catch {
            walk.errors.append(
                InputError("cannot read the folder: \(ReadFailure.reason(error))", at: .init(file: display(folder))))
            return
        }
        for entry in entries.sorted(by: { $0.name < $1.name }) {
            let path = Self.path(folder, entry.name)
            guard entry.nameIsUTF8 else {
                // Its path cannot be written as a String: reading it would report it missing.
                if entry.name.hasSuffix(".md") || entry.kind != .regular {
                    walk.errors.append(
                        InputError("the name is not valid UTF-8 (shown with �); rename it", at: .init(file: display(path))))
                }
                continue
            }
            // The folder's own record of the type spares a `stat` per file; only a link, or a
            // file system that does not say, costs one.
            let kind = entry.kind == .unknown ? (try? Syscall.kind(of: path, followingSymlink: false)) ?? nil : entry.kind
            switch kind {
            case .directory:
                enter(path, target: nil, into: &walk)
            case .symlink:
                let target = try? Syscall.symlinkTarget(path)
                let followed: DirectoryEntry.Kind?
                do {
                    followed = try Syscall.kind(of: path, followingSymlink: true)
                } catch {
                    // A loop (ELOOP) or a link through a folder that cannot be searched: it
                    // exists, so "dangling" would be wrong.
                    if entry.name.hasSuffix(".md") {
                        walk.errors.append(
                            InputError(
                                "cannot follow the symlink to \(target ?? "?"): \(ReadFailure.reason(error))",
                                at: .init(file: display(path))))
                    }
                    continue
                }
                switch followed {
                case nil:
                    if entry.name.hasSuffix(".md") {
                        walk.errors.append(
                            InputError(
                                "dangling symlink: it points to \(target ?? "?"), which does not exist",
                                at: .init(file: display(path))))
                    }
                case .directory: enter(path, target: target, into: &walk)
                default: if entry.name.hasSuffix(".md") { walk.files.append(path) }
                }
            default:
                // A file gone since the listing is kept: reading it says what happened.
                if entry.name.hasSuffix(".md") { walk.files.append(path) }
            }
        }
    }

    /// Reads the folder at `path` (reached through the symlink to `target`, if any), unless it
    /// was read already or holds the feature's folder.
    private func enter(_ path: String, target: String?, into walk: inout FolderWalk) {
        guard let real = realPath(path), !walk.encloses(real), walk.visited.insert(real).inserted else {
            let what = target.map { "symlink to \($0) leads to" } ?? "is"
            let loop = realPath(path).map(walk.encloses) == true
            let why = loop ? "a folder that holds the feature's folder (a loop)" : "a folder already read (linked twice)"
            walk.errors.append(InputError("\(what) \(why); remove the link", at: .init(file: display(path))))
            return
        }
        collect(in: path, into: &walk)
    }

    /// Reads and parses every file, in file order. Many files are shared out among a few
    /// threads (reading and parsing 5,000 files is most of a run's start-up); each keeps its
    /// files' outcomes, put back in file order, so that workstreams and errors come out as
    /// when read one by one. A few threads, not one per core: each holds a descriptor open.
    private func parseAll(_ files: [String]) -> [Result<Workstream?, InputErrors>] {
        let workers = min(Self.readers, files.count / Self.filesPerReader)
        guard workers > 1 else { return files.map(parse) }
        let parts = Mutex([[Result<Workstream?, InputErrors>]](repeating: [], count: workers))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let mine = stride(from: worker, to: files.count, by: workers).map { parse(files[$0]) }
            parts.withLock { $0[worker] = mine }
        }
        return parts.withLock { parts in (0..<files.count).map { parts[$0 % workers][$0 / workers] } }
    }

    /// The threads that read a large feature, at most.
    private static let readers = min(4, Machine.processorCount)
    /// The fewest files worth a thread of their own.
    private static let filesPerReader = 64

    /// The workstream the file at `path` declares (`nil` for a file that declares none).
    private func parse(_ path: String) -> Result<Workstream?, InputErrors> {
        let shown = display(path)
        var errors: [InputError] = []
        guard let bytes = read(path, shown: shown, into: &errors) else { return .failure(InputErrors(errors)) }
        return Result { () throws(InputErrors) in try WorkstreamParser.parse(bytes, file: shown) }
    }

    /// The bytes of the workstream file at `path`, or `nil` with the reason added to `errors`.
    private func read(_ path: String, shown: String, into errors: inout [InputError]) -> [UInt8]? {
        let problem: String
        do {
            switch try Syscall.readWholeFile(path, limit: Self.largestFile) {
            case .contents(let bytes): return bytes
            case .notRegular: problem = "cannot read the file: not a regular file"
            case .tooLarge(let size):
                // Read whole, a file of gigabytes would take the memory and the time of a hang.
                problem =
                    "file too large (\(size / 1_048_576) MiB; a workstream file is read whole, up to \(Self.largestFile / 1_048_576) MiB)"
            }
        } catch {
            problem = "cannot read the file: \(ReadFailure.reason(error))"
        }
        errors.append(InputError(problem, at: .init(file: shown)))
        return nil
    }

    /// `name` in `folder`, as `NSString.appendingPathComponent` joins them.
    private static func path(_ folder: String, _ name: String) -> String {
        folder.isEmpty ? name : folder.hasSuffix("/") ? folder + name : folder + "/" + name
    }

    /// The largest workstream file read: far beyond any front matter and body.
    static let largestFile = 16 * 1_048_576

    private func realPath(_ path: String) -> String? {
        try? Syscall.resolvedPath(path)
    }

    private func display(_ path: String) -> String {
        guard let base = displayBase, !base.isEmpty else { return path }
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
