import OneshotSystem

/// The run settings a checkpoint records (`settings`, an optional extension of the seed's
/// format), so that a resume without flags runs as the interrupted run did.
///
/// Each entry is keyed as in `.sdp/config.yml` (`jobs`, `exec`, `breaker_threshold`) and holds
/// the value as a flag takes it (`"4"`, `"10m"`, `"true"`), or `null` for a setting that was not
/// set (no `--exec`). Reading is lenient: an entry of another type (a number, a list) never
/// costs the checkpoint; it is named in ``unreadable`` and left out.
public struct RecordedSettings: Codable, Sendable, Equatable {
    /// Each setting by key: its value, or `nil` when the run had none.
    public var values: [String: String?]
    /// Keys whose value could not be read as a setting (a list, an object), or `"settings"`
    /// when the member is not an object at all.
    public var unreadable: [String] = []

    /// Creates a record of `values`.
    public init(values: [String: String?]) {
        self.values = values
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes the object; a number or Boolean is taken as its text, anything else is named in
    /// ``unreadable``.
    public init(from decoder: any Decoder) throws {
        values = [:]
        guard let container = try? decoder.container(keyedBy: Key.self) else {
            unreadable = ["settings"]
            return
        }
        for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            if (try? container.decodeNil(forKey: key)) == true {
                values[key.stringValue] = .some(nil)
            } else if let text = try? container.decode(String.self, forKey: key) {
                values[key.stringValue] = text
            } else if let flag = try? container.decode(Bool.self, forKey: key) {
                values[key.stringValue] = flag ? "true" : "false"
            } else if let number = try? container.decode(Int.self, forKey: key) {
                values[key.stringValue] = String(number)
            } else {
                unreadable.append(key.stringValue)
            }
        }
    }

    /// Encodes the object, keys sorted, `null` for a setting the run did not have.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(values)
    }
}

extension RecordedSettings: JSONWritable {
    /// Writes the value as the checkpoint file holds it, keys sorted.
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        for key in values.keys.sorted() {
            if let value = values[key] ?? nil {
                writer.field(key, value)
            } else {
                writer.nullField(key)
            }
        }
        writer.endObject()
    }
}
