import Foundation
import OneshotGraph
import OneshotSystem
import OneshotWorkstreams

/// `.sdp/history/<feature>.json`: what the last successful run of a feature leaves once its
/// checkpoint is removed — per workstream, the definition it succeeded with, its duration,
/// attempts and cost, and the run's totals. Later runs take their known durations from it and
/// run again only what changed since (``HistoryPlan``).
public struct RunHistory: Codable, Sendable, Equatable {
    /// One workstream as it succeeded.
    public struct Entry: Codable, Sendable, Equatable {
        /// ``DefinitionHash`` of the workstream it succeeded as: dependencies, command, outputs.
        public var definition: String
        /// Duration of its successful attempt, in milliseconds.
        public var durationMS: Int
        /// Attempts it took.
        public var attempts: Int
        /// Cost its commands reported, in US dollars.
        public var costUSD: Double
        /// When it completed, RFC 3339 UTC, when known.
        public var completedAt: String?

        enum CodingKeys: String, CodingKey {
            case definition, attempts
            case durationMS = "duration_ms"
            case costUSD = "cost_usd"
            case completedAt = "completed_at"
        }

        /// Creates an entry.
        public init(definition: String, durationMS: Int, attempts: Int, costUSD: Double, completedAt: String? = nil) {
            self.definition = definition
            self.durationMS = durationMS
            self.attempts = attempts
            self.costUSD = costUSD
            self.completedAt = completedAt
        }
    }

    /// The version oneshot writes and reads.
    public static let currentVersion = 1

    /// Format version.
    public var version: Int
    /// The feature.
    public var featureID: String
    /// When the run finished, RFC 3339 UTC.
    public var finishedAt: String
    /// Wall-clock time of the run, all its resumes together, in milliseconds.
    public var elapsedMS: Int
    /// Cost of the run, all its resumes together, in US dollars.
    public var costUSD: Double
    /// How many runs (the first and its resumes) it took.
    public var runs: Int
    /// The `--exec` template the workstreams without `run:` ran with, if any.
    public var exec: String?
    /// Each workstream that succeeded, by id (not those declared done in their files).
    public var workstreams: [String: Entry]
    /// When each attempt of the run and its resumes ran (``RunTimeline``), for `oneshot trace`
    /// and `oneshot report`; absent in records written before it.
    public var timeline: RunTimeline?

    enum CodingKeys: String, CodingKey {
        case version, runs, exec, workstreams, timeline
        case featureID = "feature_id"
        case finishedAt = "finished_at"
        case elapsedMS = "elapsed_ms"
        case costUSD = "cost_usd"
    }

    /// Creates a history.
    public init(
        version: Int = currentVersion, featureID: String, finishedAt: String, elapsedMS: Int, costUSD: Double, runs: Int,
        exec: String?, workstreams: [String: Entry], timeline: RunTimeline? = nil
    ) {
        self.version = version
        self.featureID = featureID
        self.finishedAt = finishedAt
        self.elapsedMS = elapsedMS
        self.costUSD = costUSD
        self.runs = runs
        self.exec = exec
        self.workstreams = workstreams
        self.timeline = timeline
    }

    /// `.sdp/history/<feature>.json`, under `folder`.
    public static func path(featureID: String, folder: String = ".sdp/history") -> String {
        (folder as NSString).appendingPathComponent("\(featureID).json")
    }

    /// The record of a run that just completed every workstream, from its final checkpoint.
    ///
    /// - Parameters:
    ///   - checkpoint: the run's checkpoint as it stands at the end (``CheckpointStore/current``).
    ///   - graph: the feature the run ran.
    ///   - exec: the `--exec` template, if any.
    ///   - finishedAt: when it finished.
    public static func recording(checkpoint: Checkpoint, graph: WorkstreamGraph, exec: String?, finishedAt: Date)
        -> RunHistory
    {
        let records = checkpoint.workstreams ?? [:]
        var entries: [String: Entry] = [:]
        for workstream in graph.workstreams where !workstream.isDeclaredDone {
            let record = records[workstream.id]
            entries[workstream.id] = Entry(
                // A completion recorded without its definition (the seed's format) is taken as
                // of the files it ran with: the current ones.
                definition: record?.definition ?? DefinitionHash.of(workstream),
                durationMS: record?.lastSuccessMS ?? 0, attempts: record?.attempts ?? 0, costUSD: record?.costUSD ?? 0,
                completedAt: record?.completedAt)
        }
        return RunHistory(
            version: currentVersion, featureID: checkpoint.featureID, finishedAt: RFC3339.format(finishedAt),
            elapsedMS: checkpoint.elapsedMS ?? 0, costUSD: checkpoint.costUSD ?? 0, runs: checkpoint.runs ?? 1, exec: exec,
            workstreams: entries, timeline: checkpoint.timeline)
    }

    /// Reads `path`: `nil` when there is no history; a warning, and `nil`, when it cannot be
    /// read or used (then every workstream runs, as before any history).
    public static func load(_ path: String, featureID: String, fileSystem: any FileSystem = PosixFileSystem())
        -> (history: RunHistory?, warning: String?)
    {
        let ignored = "; ignored: every workstream runs, and a successful run writes it anew"
        let bytes: [UInt8]?
        do {
            bytes = try fileSystem.readFile(path)
        } catch {
            return (nil, "history \(path) cannot be read: \(error)\(ignored)")
        }
        guard let bytes else { return (nil, nil) }
        let data = Data(bytes)
        guard let history = try? JSONDecoder().decode(RunHistory.self, from: data) else {
            return (nil, "history \(path) is not a valid history file\(ignored)")
        }
        guard history.version == currentVersion else {
            return (nil, "history \(path) has version \(history.version), expected \(currentVersion)\(ignored)")
        }
        guard history.featureID == featureID else {
            return (nil, "history \(path) is for feature \(history.featureID), not \(featureID)\(ignored)")
        }
        return (history, nil)
    }

    /// Writes the history to `path` atomically (``AtomicFile``), creating its folder.
    ///
    /// - Throws: ``SystemError`` naming the path at fault.
    public func write(to path: String, fileSystem: any FileSystem = PosixFileSystem()) throws(SystemError) {
        try fileSystem.makeDirectories((path as NSString).deletingLastPathComponent)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        // Encoding plain numbers and strings cannot fail.
        let data = (try? encoder.encode(self)) ?? Data("{}".utf8)
        try AtomicFile(fileSystem: fileSystem).write(Array(data) + [UInt8(ascii: "\n")], to: path)
    }

    /// Durations of the successful attempts, in seconds, by id: estimates for later runs.
    public var knownDurations: [String: Double] {
        workstreams.compactMapValues { $0.durationMS > 0 ? Double($0.durationMS) / 1000 : nil }
    }

    /// The number of attempts all workstreams took.
    public var attempts: Int { workstreams.values.reduce(0) { $0 + $1.attempts } }
}
