/// A member's name as ``JSONWriter`` writes it — quoted, escaped, with its colon — encoded once,
/// for a writer that writes the same names many times: the checkpoint's journal lines and
/// snapshots write ten per record, for every workstream.
///
/// ```swift
/// let attempt = JSONKey("attempt")
/// var writer = JSONWriter()
/// writer.beginObject()
/// writer.field(attempt, 2)
/// writer.endObject()
/// // writer.bytes: {"attempt":2}
/// ```
public struct JSONKey: Sendable {
    /// `"name":`.
    let bytes: [UInt8]

    /// The key `name`.
    public init(_ name: String) {
        var writer = JSONWriter(capacity: name.utf8.count + 3)
        writer.string(name)
        bytes = writer.bytes + [UInt8(ascii: ":")]
    }
}
