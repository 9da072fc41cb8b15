import Foundation
import OneshotSystem

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

    /// Reads the feature.
    ///
    /// - Throws: ``InputErrors``: the folder is missing, no file declares a workstream, or files
    ///   are malformed (every such file is reported).
    public func load(_ id: FeatureID) throws(InputErrors) -> Feature {
        let (root, tagged): (String, Bool) =
            switch layout {
            case .folderPerFeature(let base): ((base as NSString).appendingPathComponent(id.rawValue), false)
            case .tagged(let base): (base, true)
            }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InputErrors([InputError("no such feature \(id): folder \(display(root)) does not exist")])
        }
        var workstreams: [Workstream] = []
        var external: Set<String> = []
        var errors: [InputError] = []
        let files = try markdownFiles(under: root)
        for path in files {
            let shown = display(path)
            if let size = Self.size(of: path), size > Self.largestFile {
                // Read whole, a file of gigabytes would take the memory and the time of a hang.
                errors.append(
                    InputError(
                        "file too large (\(size / 1_048_576) MiB; a workstream file is read whole, up to \(Self.largestFile / 1_048_576) MiB)",
                        at: .init(file: shown)))
                continue
            }
            guard let data = FileManager.default.contents(atPath: path) else {
                errors.append(InputError("cannot read the file: \(ReadFailure.reason(reading: path))", at: .init(file: shown)))
                continue
            }
            do {
                guard let workstream = try WorkstreamParser.parse(Array(data), file: shown) else { continue }
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
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder)
        } catch {
            walk.errors.append(
                InputError("cannot read the folder: \(ReadFailure.reason(error))", at: .init(file: display(folder))))
            return
        }
        for name in names.sorted() {
            let path = (folder as NSString).appendingPathComponent(name)
            let target = try? FileManager.default.destinationOfSymbolicLink(atPath: path)
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            if let target, !exists {
                if name.hasSuffix(".md") {
                    walk.errors.append(
                        InputError(
                            "dangling symlink: it points to \(target), which does not exist", at: .init(file: display(path))))
                }
            } else if isDirectory.boolValue {
                guard let real = realPath(path), !walk.encloses(real), walk.visited.insert(real).inserted else {
                    let what = target.map { "symlink to \($0) leads to" } ?? "is"
                    let loop = realPath(path).map(walk.encloses) == true
                    let why = loop ? "a folder that holds the feature's folder (a loop)" : "a folder already read (linked twice)"
                    walk.errors.append(InputError("\(what) \(why); remove the link", at: .init(file: display(path))))
                    continue
                }
                collect(in: path, into: &walk)
            } else if name.hasSuffix(".md") {
                walk.files.append(path)
            }
        }
    }

    /// The largest workstream file read: far beyond any front matter and body.
    static let largestFile = 16 * 1_048_576

    /// The size of the file `path` names (links followed), if it can be told.
    private static func size(of path: String) -> Int? {
        (try? URL(fileURLWithPath: path).resourceValues(forKeys: [.fileSizeKey]))?.fileSize
    }

    private func realPath(_ path: String) -> String? {
        try? Syscall.resolvedPath(path)
    }

    private func display(_ path: String) -> String {
        guard let base = displayBase, !base.isEmpty else { return path }
        let prefix = base.hasSuffix("/") ? base : base + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }
}
