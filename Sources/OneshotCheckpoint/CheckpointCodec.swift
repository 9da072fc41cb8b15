import Foundation
import OneshotSystem
import OneshotWorkstreams

/// Reads and writes checkpoint files, and refuses any that is not trustworthy.
public enum CheckpointCodec {
    /// Encodes `checkpoint` as compact JSON with sorted keys (a stable order).
    public static func encode(_ checkpoint: Checkpoint) -> [UInt8] {
        checkpoint.encoded
    }

    /// Decodes and validates a checkpoint.
    ///
    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - path: the file, for messages.
    ///   - featureID: the feature it must belong to.
    /// - Throws: ``CheckpointError`` saying what is wrong: not JSON, a wrong type (with the
    ///   field's path), an unknown version, another feature, an invalid id, an absurd number.
    public static func decode(_ bytes: [UInt8], path: String, featureID: String) throws(CheckpointError) -> Checkpoint {
        if bytes.isEmpty { throw CheckpointError(path: path, reason: "the file is empty") }
        let checkpoint: Checkpoint
        do {
            checkpoint = try JSONDecoder().decode(Checkpoint.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw CheckpointError(path: path, reason: describe(error))
        } catch {
            throw CheckpointError(path: path, reason: "cannot be read: \(error)")
        }
        try validate(checkpoint, path: path, featureID: featureID)
        return checkpoint
    }

    static func validate(_ checkpoint: Checkpoint, path: String, featureID: String) throws(CheckpointError) {
        func fail(_ reason: String) -> CheckpointError { CheckpointError(path: path, reason: reason) }
        guard Checkpoint.readableVersions.contains(checkpoint.version) else {
            throw fail(
                "unknown version '\(checkpoint.version.prefix(20))'; this oneshot reads \(Checkpoint.readableVersions.sorted().joined(separator: ", "))"
            )
        }
        guard checkpoint.featureID == featureID else {
            throw fail("belongs to feature '\(checkpoint.featureID.prefix(40))', not \(featureID)")
        }
        guard RFC3339.parse(checkpoint.timestamp) != nil else {
            throw fail("timestamp '\(checkpoint.timestamp.prefix(40))' is not an RFC 3339 time")
        }
        let ids =
            checkpoint.completed + checkpoint.failed + (checkpoint.inFlight ?? []).map(\.id)
            + (checkpoint.interrupted ?? []) + Array((checkpoint.skipped ?? [:]).keys)
        for id in ids {
            if let problem = WorkstreamID.problem(with: id) { throw fail("invalid workstream id '\(id.prefix(40))': \(problem)") }
        }
        if let breaker = checkpoint.circuitBreaker {
            guard (0...2).contains(breaker.state) else {
                throw fail("circuit_breaker.state is \(breaker.state); expected 0 (closed), 1 (open) or 2 (half-open)")
            }
            for (name, value) in [
                ("failure_count", breaker.failureCount), ("success_count", breaker.successCount),
                ("consecutive_opens", breaker.consecutiveOpens),
            ] where !(0...1_000_000).contains(value) {
                throw fail("circuit_breaker.\(name) is \(value); expected 0 to 1000000")
            }
        }
        for record in checkpoint.inFlight ?? [] where !(1...1_000_000).contains(record.attempt) {
            throw fail("in_flight attempt \(record.attempt) of \(record.id) is out of range")
        }
        let tenYearsMS = 315_360_000_000
        for (id, record) in checkpoint.workstreams ?? [:] {
            guard (0...1_000_000).contains(record.attempts), (0...tenYearsMS).contains(record.durationMS),
                (record.costUSD ?? 0) >= 0, (record.costUSD ?? 0) < 1e9
            else { throw fail("workstreams.\(id.prefix(40)) holds an out-of-range number") }
        }
        if let runs = checkpoint.runs, !(0...1_000_000).contains(runs) { throw fail("runs is \(runs); out of range") }
        if let elapsed = checkpoint.elapsedMS, !(0...tenYearsMS).contains(elapsed) { throw fail("elapsed_ms is out of range") }
        if let cost = checkpoint.costUSD, !(cost >= 0 && cost < 1e9) { throw fail("cost_usd is out of range") }
    }

    private static func describe(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            let keys = path + (last.map { [$0] } ?? [])
            let text = keys.map { key in key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)" }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : (text.isEmpty ? "the top level" : text)
        }
        switch error {
        case let .typeMismatch(type, context):
            return "field \(field(context.codingPath)) has the wrong type; expected \(typeName(type))"
        case let .valueNotFound(type, context):
            return "field \(field(context.codingPath)) is null; expected \(typeName(type))"
        case let .keyNotFound(key, context):
            return "missing field \(field(context.codingPath, key))"
        case let .dataCorrupted(context):
            return context.codingPath.isEmpty
                ? "not valid JSON (truncated or corrupt)" : "field \(field(context.codingPath)) is invalid"
        @unknown default:
            return "cannot be decoded"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int32.Type, is UInt64.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        case is [Any].Type: "a list"
        default: "\(type)".contains("Array") ? "a list" : "an object"
        }
    }
}
