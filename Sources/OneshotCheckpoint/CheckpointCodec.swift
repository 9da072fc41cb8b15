import Foundation
import OneshotSystem
import OneshotWorkstreams

/// Reads and writes checkpoint files, and refuses any that is not trustworthy.
public enum CheckpointCodec {
    /// Encodes `checkpoint` as compact JSON with sorted keys (a stable order).
    public static func encode(_ checkpoint: Checkpoint) -> [UInt8] {
        checkpoint.encoded
    }

    /// Decodes and validates a checkpoint; a number out of range is clamped into it (see
    /// ``decode(_:path:featureID:warnings:)`` to hear about it).
    ///
    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - path: the file, for messages.
    ///   - featureID: the feature it must belong to.
    /// - Throws: ``CheckpointError`` saying what is wrong: not JSON, a wrong type (with the
    ///   field's path), an unknown version, another feature, an invalid id.
    public static func decode(_ bytes: [UInt8], path: String, featureID: String) throws(CheckpointError) -> Checkpoint {
        var warnings: [String] = []
        return try decode(bytes, path: path, featureID: featureID, warnings: &warnings)
    }

    /// Decodes and validates a checkpoint. A number out of range (a negative duration, an absurd
    /// cost or count) is clamped into it and named in `warnings`: progress is never discarded
    /// for it.
    ///
    /// - Parameters:
    ///   - bytes: the file's content.
    ///   - path: the file, for messages.
    ///   - featureID: the feature it must belong to.
    ///   - warnings: gains one line per number clamped, naming the file and the field.
    /// - Throws: ``CheckpointError`` saying what is wrong: not JSON, a wrong type (with the
    ///   field's path), an unknown version, another feature, an invalid id.
    public static func decode(_ bytes: [UInt8], path: String, featureID: String, warnings: inout [String])
        throws(CheckpointError) -> Checkpoint
    {
        if bytes.isEmpty { throw CheckpointError(path: path, reason: "the file is empty") }
        var checkpoint: Checkpoint
        do {
            checkpoint = try JSONDecoder().decode(Checkpoint.self, from: Data(bytes))
        } catch let error as DecodingError {
            throw CheckpointError(path: path, reason: describe(error))
        } catch {
            throw CheckpointError(path: path, reason: "cannot be read: \(error)")
        }
        try validate(&checkpoint, path: path, featureID: featureID, warnings: &warnings)
        return checkpoint
    }

    /// Refuses what cannot be trusted (version, feature, timestamp, ids); clamps numbers; forgets
    /// the processes of in-flight records that cannot be ours (see ``InFlightProcessCheck``).
    static func validate(_ checkpoint: inout Checkpoint, path: String, featureID: String, warnings: inout [String])
        throws(CheckpointError)
    {
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
        if let id = checkpoint.workstreamIDs.first(where: { WorkstreamID.problem(with: $0) != nil }) {
            throw fail("invalid workstream id '\(id.prefix(40))': \(WorkstreamID.problem(with: id) ?? "")")
        }
        var clamper = NumberClamper(path: path)
        clamper.clamp(&checkpoint)
        warnings.append(contentsOf: clamper.warnings)
        warnings.append(contentsOf: InFlightProcessCheck(path: path).check(&checkpoint))
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

extension Checkpoint {
    /// Every workstream id the checkpoint names, in its lists and maps.
    var workstreamIDs: [String] {
        completed + failed + (inFlight ?? []).map(\.id) + (interrupted ?? []) + Array((skipped ?? [:]).keys)
            + Array((workstreams ?? [:]).keys)
    }
}
