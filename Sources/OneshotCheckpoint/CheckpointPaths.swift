import Foundation
import OneshotSystem

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
    /// `<folder>/<feature>-journal.old.jsonl`: the journal a snapshot being written replaces.
    /// The store renames the journal to it and starts a new one before writing the snapshot
    /// outside its lock, and removes it once the snapshot is in place; a reader replays it
    /// before the journal (its lines are older), skipping the lines the snapshot holds.
    public var previousJournal: String { file("\(featureID)-journal.old.jsonl") }
    /// `<folder>/<feature>.lock`: held by the running run; never removed.
    public var lock: String { file("\(featureID).lock") }

    /// A free name for moving a corrupt checkpoint aside: `.corrupt`, then `.corrupt.1`, ….
    ///
    /// - Throws: ``SystemError`` when whether a name is free cannot be told.
    public func corruptDestination(fileSystem: any FileSystem = PosixFileSystem()) throws(SystemError) -> String {
        var candidate = checkpoint + ".corrupt"
        var number = 1
        while try fileSystem.exists(candidate) {
            candidate = checkpoint + ".corrupt.\(number)"
            number += 1
        }
        return candidate
    }

    private func file(_ name: String) -> String {
        (folder as NSString).appendingPathComponent(name)
    }
}
