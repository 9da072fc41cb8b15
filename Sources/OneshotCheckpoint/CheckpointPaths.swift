import Foundation

/// Where a feature's checkpoint files live, under `.sdp/checkpoints/` of the project root.
public struct CheckpointPaths: Sendable, Equatable {
    /// The folder, e.g. `.sdp/checkpoints`.
    public let folder: String
    /// The feature's id.
    public let featureID: String

    /// Paths for `featureID` in `folder`.
    public init(folder: String = ".sdp/checkpoints", featureID: String) {
        self.folder = folder
        self.featureID = featureID
    }

    /// `<folder>/<feature>-checkpoint.json`: the snapshot, in the seed's format.
    public var checkpoint: String { file("\(featureID)-checkpoint.json") }
    /// `<folder>/<feature>-journal.jsonl`: what happened since the last snapshot, one line each.
    public var journal: String { file("\(featureID)-journal.jsonl") }
    /// `<folder>/<feature>.lock`: held by the running run; never removed.
    public var lock: String { file("\(featureID).lock") }

    /// A free name for moving a corrupt checkpoint aside: `.corrupt`, then `.corrupt.1`, ….
    public func corruptDestination() -> String {
        var candidate = checkpoint + ".corrupt"
        var number = 1
        while FileManager.default.fileExists(atPath: candidate) {
            candidate = checkpoint + ".corrupt.\(number)"
            number += 1
        }
        return candidate
    }

    private func file(_ name: String) -> String {
        (folder as NSString).appendingPathComponent(name)
    }
}
