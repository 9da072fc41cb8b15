/// A value that writes itself as JSON through a ``JSONWriter``.
public protocol JSONWritable {
    /// Writes the value (an object, usually) at the writer's current position.
    func write(to writer: inout JSONWriter)
}

/// Writes compact JSON straight into bytes, keys in the order given.
///
/// The journal appends lines per launch, the `--json` stream an event per change; `JSONEncoder`
/// and `JSONSerialization` spent more time on them than the rest of a launch together. Callers
/// write keys in sorted order, so the output is the one `JSONEncoder` gives with `.sortedKeys`
/// and `.withoutEscapingSlashes` (tested); `nil` values are left out, as its `encodeIfPresent`
/// does, unless written with ``nullField(_:)``.
///
/// ```swift
/// var writer = JSONWriter()
/// writer.beginObject()
/// writer.field("attempt", 2)
/// writer.field("ws_id", "api")
/// writer.endObject()
/// // writer.bytes: {"attempt":2,"ws_id":"api"}
/// ```
public struct JSONWriter: Sendable {
    /// The JSON written so far.
    public private(set) var bytes: [UInt8] = []
    /// Whether the innermost open object or array has a member yet.
    private var hasMember = false
    /// The same for the open objects and arrays around it, the nearest in bit 0: a bit each
    /// instead of an array of flags, which cost a uniqueness check and a bounds check at every
    /// value (the journal and the snapshot write millions).
    private var enclosing: UInt64 = 0
    /// How many objects and arrays are open.
    private var depth = 0
    /// The flags of enclosing levels beyond the 64 that `enclosing` holds, the nearest last.
    private var deeper: [Bool] = []
    /// Where ``bytes`` go once they reach `flushThreshold`, if anywhere.
    private var sink: (@Sendable ([UInt8]) -> Void)?
    private var flushThreshold = Int.max
    /// How many bytes went to the sink so far.
    public private(set) var flushedCount = 0

    /// Creates a writer whose buffer holds `capacity` bytes before it grows.
    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    /// Creates a writer that hands its bytes to `sink` whenever `threshold` of them are buffered
    /// (between two values) and at ``flush()``, instead of keeping them all: a snapshot of tens
    /// of megabytes is written as it is encoded, never held whole.
    public init(flushingEvery threshold: Int, to sink: @escaping @Sendable ([UInt8]) -> Void) {
        bytes.reserveCapacity(threshold + 4096)
        self.sink = sink
        flushThreshold = threshold
    }

    /// Hands what is buffered to the sink, if the writer has one.
    public mutating func flush() {
        guard let sink, !bytes.isEmpty else { return }
        sink(bytes)
        flushedCount += bytes.count
        bytes.removeAll(keepingCapacity: true)
    }

    /// Opens an object, as a value of its own or after `key(_:)`.
    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        open()
    }

    /// Closes the innermost object.
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        close()
    }

    /// Opens an array, as a value of its own or after `key(_:)`.
    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        open()
    }

    /// Closes the innermost array.
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        close()
    }

    /// Writes `"key":`; the value follows.
    public mutating func key(_ key: String) {
        separate()
        quoted(key)
        bytes.append(UInt8(ascii: ":"))
        // The value that follows needs no separator of its own.
        hasMember = false
    }

    /// Writes `key` and its colon, encoded once (``JSONKey``); the value follows.
    public mutating func key(_ key: JSONKey) {
        separate()
        bytes.append(contentsOf: key.bytes)
        hasMember = false
    }

    /// A string member named by an encoded key; nothing when `value` is `nil`.
    public mutating func field(_ key: JSONKey, _ value: String?) {
        guard let value else { return }
        self.key(key)
        string(value)
    }

    /// An integer member named by an encoded key; nothing when `value` is `nil`.
    @inlinable
    public mutating func field(_ key: JSONKey, _ value: (some BinaryInteger)?) {
        guard let value else { return }
        self.key(key)
        integer(value)
    }

    /// A Boolean member named by an encoded key; nothing when `value` is `nil`.
    public mutating func field(_ key: JSONKey, _ value: Bool?) {
        guard let value else { return }
        self.key(key)
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// A number member named by an encoded key, written as a number member named by a string
    /// is; nothing when `value` is `nil` or not finite.
    public mutating func field(_ key: JSONKey, _ value: Double?) {
        guard let value, value.isFinite else { return }
        self.key(key)
        number(value)
    }

    /// A member written by `value` itself, named by an encoded key; nothing when it is `nil`.
    @inlinable
    public mutating func field(_ key: JSONKey, _ value: (some JSONWritable)?) {
        guard let value else { return }
        self.key(key)
        value.write(to: &self)
    }

    /// An array of values that write themselves, named by an encoded key; nothing when `values`
    /// is `nil`.
    @inlinable
    public mutating func field(_ key: JSONKey, _ values: [some JSONWritable]?) {
        guard let values else { return }
        self.key(key)
        beginArray()
        for value in values { value.write(to: &self) }
        endArray()
    }

    /// An array of strings named by an encoded key; nothing when `values` is `nil`.
    public mutating func field(_ key: JSONKey, _ values: [String]?) {
        guard let values else { return }
        self.key(key)
        strings(values)
    }

    /// A string member; nothing when `value` is `nil`.
    public mutating func field(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        string(value)
    }

    /// An integer member; nothing when `value` is `nil`.
    ///
    /// Inlinable, as are the other generic members: unspecialized across modules, each call
    /// looked up its type's metadata and went through protocol witnesses — in the journal and
    /// the snapshot, most of the cost of a number.
    @inlinable
    public mutating func field(_ name: String, _ value: (some BinaryInteger)?) {
        guard let value else { return }
        key(name)
        integer(value)
    }

    /// A Boolean member; nothing when `value` is `nil`.
    public mutating func field(_ name: String, _ value: Bool?) {
        guard let value else { return }
        key(name)
        separate()
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// A finite number: Swift's shortest representation that reads back as the same `Double`,
    /// without the `.0` of a whole number (`0`, `3`, `1e+16`), as `JSONEncoder` writes it;
    /// nothing when `value` is `nil` or not finite.
    public mutating func field(_ name: String, _ value: Double?) {
        guard let value, value.isFinite else { return }
        key(name)
        separate()
        let text = value.description
        bytes.append(contentsOf: (text.hasSuffix(".0") ? Substring(text.dropLast(2)) : Substring(text)).utf8)
    }

    /// An array of strings; nothing when `values` is `nil`.
    public mutating func field(_ name: String, _ values: [String]?) {
        guard let values else { return }
        key(name)
        strings(values)
    }

    /// A member written by `value` itself; nothing when it is `nil`.
    @inlinable
    public mutating func field(_ name: String, _ value: (some JSONWritable)?) {
        guard let value else { return }
        key(name)
        value.write(to: &self)
    }

    /// An array of values that write themselves; nothing when `values` is `nil`.
    @inlinable
    public mutating func field(_ name: String, _ values: [some JSONWritable]?) {
        guard let values else { return }
        key(name)
        beginArray()
        for value in values { value.write(to: &self) }
        endArray()
    }

    /// An object of `members` in sorted key order, each value written by `write`; nothing when
    /// `members` is `nil`. The keys are sorted, not the entries: no copy of the values.
    @inlinable
    public mutating func field<Value>(
        _ name: String, sorted members: [String: Value]?, _ write: (inout JSONWriter, Value) -> Void
    ) {
        guard let members else { return }
        key(name)
        beginObject()
        for id in members.keys.sorted() {
            guard let value = members[id] else { continue }
            key(id)
            write(&self, value)
        }
        endObject()
    }

    /// An integer, as a value (an array's element).
    @inlinable
    public mutating func integer(_ value: some BinaryInteger) {
        guard let small = Int64(exactly: value) else { return writeInteger(text: String(value)) }
        writeInteger(small)
    }

    /// An integer that fits 64 bits, as a value: what the generic ``integer(_:)`` writes.
    @usableFromInline
    mutating func writeInteger(_ value: Int64) {
        separate()
        decimal(value)
    }

    /// A larger integer, as a value, from its decimal text.
    @usableFromInline
    mutating func writeInteger(text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
    }

    /// Writes `fragment`, JSON written by another ``JSONWriter`` (an object, an array, or
    /// several values separated by commas), as a value here: what a cache of encoded parts
    /// splices back in without encoding them again.
    public mutating func json(_ fragment: [UInt8]) {
        separate()
        bytes.append(contentsOf: fragment)
    }

    /// A number, as a value (an array's element), written as the `Double` field writes
    /// it; `null` when it is not finite.
    public mutating func number(_ value: Double) {
        guard value.isFinite else { return null() }
        separate()
        let text = value.description
        bytes.append(contentsOf: (text.hasSuffix(".0") ? Substring(text.dropLast(2)) : Substring(text)).utf8)
    }

    /// Ends a line of JSON Lines: a newline after the value written.
    public mutating func endLine() {
        bytes.append(0x0A)
    }

    /// `null`, as a value (an array's element).
    public mutating func null() {
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    /// An array of strings, as a value.
    public mutating func strings(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    /// An array of integers; nothing when `values` is `nil`.
    public mutating func field(_ name: String, _ values: [Int]?) {
        guard let values else { return }
        key(name)
        beginArray()
        for value in values { integer(value) }
        endArray()
    }

    /// `"name":null`.
    public mutating func nullField(_ name: String) {
        key(name)
        separate()
        bytes.append(contentsOf: "null".utf8)
    }

    /// A string value, escaped as JSON requires (quotes, backslashes, control characters).
    public mutating func string(_ value: String) {
        separate()
        quoted(value)
    }

    private mutating func quoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        // Most strings (ids, times, paths) need no escape: copied at once, not byte by byte —
        // the journal writes several per workstream.
        let copied = value.utf8.withContiguousStorageIfAvailable { (utf8) -> Bool in
            for byte in utf8 where Self.needsEscape(byte) { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        guard copied != true else {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: Array("\\u00".utf8))
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0x0F)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `value` in decimal, as `String(value)` writes it, without allocating that string: numbers
    /// are most of a snapshot's members.
    private mutating func decimal(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        guard magnitude >= 10 else {
            bytes.append(UInt8(ascii: "0") + UInt8(magnitude))
            return
        }
        // At most 19 digits, written backwards into a fixed buffer.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var index = buffer.count
            while magnitude > 0 {
                index -= 1
                buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[index...]))
        }
    }

    /// Whether `byte` must be escaped in a JSON string: a quote, a backslash or a control
    /// character (every other byte, UTF-8 continuation bytes included, is written as it is).
    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
    }

    /// A comma before every member of an object or array but its first.
    private mutating func separate() {
        if bytes.count >= flushThreshold { flush() }
        guard depth > 0 else { return }
        if hasMember { bytes.append(UInt8(ascii: ",")) }
        hasMember = true
    }

    /// Enters an object or array just opened: it has no member yet.
    private mutating func open() {
        if depth >= UInt64.bitWidth { deeper.append(enclosing >> (UInt64.bitWidth - 1) != 0) }
        enclosing = enclosing << 1 | (hasMember ? 1 : 0)
        hasMember = false
        depth += 1
    }

    /// Leaves the innermost object or array, back to the one around it.
    private mutating func close() {
        precondition(depth > 0, "JSONWriter: more objects or arrays closed than opened")
        depth -= 1
        hasMember = enclosing & 1 != 0
        enclosing >>= 1
        if depth >= UInt64.bitWidth, let flag = deeper.popLast() { enclosing |= flag ? 1 << (UInt64.bitWidth - 1) : 0 }
    }
}
