import Foundation
import OneshotSystem
import OneshotWorkstreams

/// What can still be read of a checkpoint that failed validation: its completed set, the attempts
/// it knew were running, its history, each kept where it parses on its own, with the journal's
/// readable lines replayed on top. Re-running completed or `idempotent: false` work is what a
/// checkpoint exists to prevent, so starting from zero is the last resort.
enum CheckpointSalvage {
    /// What was recovered.
    struct Result {
        var checkpoint: Checkpoint
        /// Whether the snapshot itself gave anything (else only the journal did).
        var fromSnapshot: Bool
    }

    /// The checkpoint rebuilt from the readable parts of `snapshot` and `journal`, or `nil` when
    /// neither holds anything.
    ///
    /// - Parameters:
    ///   - snapshot: the snapshot's bytes, if it could be read at all.
    ///   - journal: the journal's readable lines.
    ///   - featureID: the feature; a snapshot naming another one gives nothing.
    ///   - now: the time to stamp the result with.
    static func recover(snapshot: [UInt8]?, journal: [JournalLine], featureID: String, now: Date) -> Result? {
        var fields = snapshot.map(topLevelFields) ?? [:]
        if let other = fields["feature_id"] as? String, other != featureID { fields = [:] }
        var checkpoint = Checkpoint(featureID: featureID, timestamp: RFC3339.format(now))
        fill(&checkpoint, from: fields)
        var clamper = NumberClamper(path: "")
        clamper.clamp(&checkpoint)  // before the replay adds to the numbers
        let fromSnapshot = !fields.isEmpty
        let newer = journal.filter { $0.seq > (checkpoint.journalSeq ?? 0) }
        if let last = newer.last {
            var state = CheckpointState(restoring: checkpoint)
            newer.forEach { state.apply($0) }
            checkpoint = state.checkpoint(
                featureID: featureID, graph: nil, fingerprint: checkpoint.fingerprint,
                journalSeq: max(last.seq, checkpoint.journalSeq ?? 0), now: now)
        }
        dropInvalidIDs(&checkpoint)
        var ignored: [String] = []
        guard fromSnapshot || !newer.isEmpty,
            (try? CheckpointCodec.validate(&checkpoint, path: "", featureID: featureID, warnings: &ignored)) != nil
        else { return nil }
        return Result(checkpoint: checkpoint, fromSnapshot: fromSnapshot)
    }

    private static func fill(_ checkpoint: inout Checkpoint, from fields: [String: Any]) {
        checkpoint.completed = strings(fields["completed"])
        checkpoint.failed = strings(fields["failed"])
        checkpoint.interrupted = strings(fields["interrupted"])
        checkpoint.skipped = (fields["skipped"] as? [String: Any])?.compactMapValues { $0 as? String }
        checkpoint.inFlight = (fields["in_flight"] as? [Any])?.compactMap { decode(InFlightRecord.self, $0) }
        checkpoint.workstreams = (fields["workstreams"] as? [String: Any])?.compactMapValues {
            decode(WorkstreamRecord.self, $0)
        }
        checkpoint.graph = decode(GraphSnapshot.self, fields["graph"])
        checkpoint.circuitBreaker = decode(BreakerSnapshot.self, fields["circuit_breaker"])
        checkpoint.runs = decode(Int.self, fields["runs"])
        checkpoint.elapsedMS = decode(Int.self, fields["elapsed_ms"])
        checkpoint.costUSD = decode(Double.self, fields["cost_usd"])
        checkpoint.fingerprint = fields["fingerprint"] as? String
        checkpoint.journalSeq = decode(Int.self, fields["journal_seq"])
    }

    /// Keeps only what names a valid workstream id: an invalid one could name a path.
    private static func dropInvalidIDs(_ checkpoint: inout Checkpoint) {
        func valid(_ id: String) -> Bool { WorkstreamID.problem(with: id) == nil }
        checkpoint.completed = checkpoint.completed.filter(valid)
        checkpoint.failed = checkpoint.failed.filter(valid)
        checkpoint.interrupted = checkpoint.interrupted?.filter(valid)
        checkpoint.skipped = checkpoint.skipped?.filter { valid($0.key) }
        checkpoint.inFlight = checkpoint.inFlight?.filter { valid($0.id) }
        checkpoint.workstreams = checkpoint.workstreams?.filter { valid($0.key) }
    }

    private static func strings(_ value: Any?) -> [String] {
        (value as? [Any])?.compactMap { $0 as? String } ?? []
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ value: Any?) -> T? {
        guard let value, let data = try? JSONSerialization.data(withJSONObject: value, options: .fragmentsAllowed) else {
            return nil
        }
        return try? JSONDecoder().decode(T.self, from: data)
    }

    /// The keys salvage looks for when the file is not JSON as a whole.
    private static let keys = [
        "feature_id", "completed", "failed", "interrupted", "skipped", "in_flight", "workstreams", "graph",
        "circuit_breaker", "runs", "elapsed_ms", "cost_usd", "fingerprint", "journal_seq",
    ]

    /// The file's top-level members; for a truncated or garbled file, each key's first value
    /// that still parses whole (oneshot writes keys sorted, `completed` second: a cut file keeps it).
    private static func topLevelFields(_ bytes: [UInt8]) -> [String: Any] {
        if let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] { return object }
        var fields: [String: Any] = [:]
        for key in keys {
            if let value = firstValue(of: key, in: bytes) { fields[key] = value }
        }
        return fields
    }

    private static func firstValue(of key: String, in bytes: [UInt8]) -> Any? {
        let pattern = Array("\"\(key)\"".utf8)
        var start = 0
        while let found = find(pattern, in: bytes, from: start) {
            start = found + pattern.count
            var index = skipSpaces(bytes, start)
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { continue }
            index = skipSpaces(bytes, index + 1)
            if let end = valueEnd(bytes, from: index),
                let value = try? JSONSerialization.jsonObject(with: Data(bytes[index..<end]), options: .fragmentsAllowed)
            {
                return value
            }
        }
        return nil
    }

    private static func find(_ pattern: [UInt8], in bytes: [UInt8], from start: Int) -> Int? {
        guard pattern.count <= bytes.count else { return nil }
        var index = start
        while index + pattern.count <= bytes.count {
            if bytes[index] == pattern[0] && bytes[index..<index + pattern.count].elementsEqual(pattern) { return index }
            index += 1
        }
        return nil
    }

    private static func skipSpaces(_ bytes: [UInt8], _ start: Int) -> Int {
        var index = start
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        return index
    }

    /// The end of the JSON value starting at `start`, or `nil` when the file ends inside it.
    private static func valueEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { return index }
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"): depth += 1
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                if depth <= 0 { return depth == 0 ? index : index - 1 }
            case UInt8(ascii: ","), 0x20, 0x0A, 0x0D, 0x09:
                if depth == 0 { return index - 1 }
            default: break
            }
        }
        return nil
    }
}

extension CheckpointReader {
    /// The checkpoint of `paths` as ``load(_:fileSystem:)`` reads it, or, when it does not load, what can be
    /// salvaged of it (the journal holds the processes in flight); `nil` when neither gives
    /// anything. For what is about to discard a checkpoint (`--fresh`, `clean`): the attempts it
    /// tracks must not be left running untracked because the file was damaged.
    public static func loadOrSalvage(_ paths: CheckpointPaths, fileSystem: any FileSystem = PosixFileSystem()) -> Checkpoint? {
        if let loaded = try? load(paths, fileSystem: fileSystem)?.checkpoint { return loaded }
        return CheckpointSalvage.recover(
            snapshot: (try? fileSystem.readFile(paths.checkpoint)) ?? nil,
            journal: (try? journalLines(paths, fileSystem: fileSystem).lines) ?? [], featureID: paths.featureID, now: Date()
        )?.checkpoint
    }
}
