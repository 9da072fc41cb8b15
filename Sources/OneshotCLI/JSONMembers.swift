import OneshotSystem

/// The members of a JSON object, added in any order and written in sorted key order: the
/// object `JSONSerialization` with `.sortedKeys` and `.withoutEscapingSlashes` writes for the
/// same values (tested), through ``JSONWriter``, which cannot fail.
struct JSONMembers: JSONWritable {
    /// Each member's key and how it writes itself (key included).
    private var members: [String: (inout JSONWriter) -> Void] = [:]

    /// No members yet.
    init() {}

    /// Adds a string; nothing when `value` is `nil`.
    mutating func add(_ key: String, _ value: String?) {
        guard let value else { return }
        members[key] = { $0.field(key, value) }
    }

    /// Adds an integer; nothing when `value` is `nil`.
    mutating func add(_ key: String, _ value: Int?) {
        guard let value else { return }
        members[key] = { $0.field(key, value) }
    }

    /// Adds an integer, or `null` when `value` is `nil`.
    mutating func addOrNull(_ key: String, _ value: Int?) {
        members[key] = { writer in
            if let value { writer.field(key, value) } else { writer.nullField(key) }
        }
    }

    /// Adds a boolean.
    mutating func add(_ key: String, _ value: Bool) {
        members[key] = { $0.field(key, value) }
    }

    /// Adds an array of strings.
    mutating func add(_ key: String, _ values: [String]) {
        members[key] = { $0.field(key, values as [String]?) }
    }

    /// Adds an object of integers, in sorted key order.
    mutating func add(_ key: String, _ values: [String: Int]) {
        members[key] = { $0.field(key, sorted: values) { $0.integer($1) } }
    }

    /// Adds an array of objects.
    mutating func add(_ key: String, _ values: [JSONMembers]) {
        members[key] = { $0.field(key, values) }
    }

    /// The `JSONWritable` requirement: the object, members in sorted key order.
    func write(to writer: inout JSONWriter) {
        writer.beginObject()
        for key in members.keys.sorted() { members[key]?(&writer) }
        writer.endObject()
    }
}
