import OneshotWorkstreams

/// A short, stable hash of what a workstream does (dependencies, command, outputs), so a resume
/// can tell whether a completed workstream's file changed since it completed.
public enum DefinitionHash {
    /// FNV-1a over the workstream's dependencies (sorted, joined by commas), a 0x01 byte, its
    /// command, a 0x01 byte and its outputs (joined by commas), as 16 hex digits.
    ///
    /// Hashed part by part instead of over one joined string: every completion records it, and
    /// building that string was most of the journal's cost of a completion after its encoding.
    public static func of(_ workstream: Workstream) -> String {
        var hash = FNV1a()
        let dependencies = workstream.dependencies
        // Usually sorted already (the loader sorts them): no sorted copy then.
        let sorted = zip(dependencies, dependencies.dropFirst()).allSatisfy { $0 <= $1 } ? dependencies : dependencies.sorted()
        hash.add(sorted)
        hash.add(0x01)
        hash.add(workstream.command ?? "")
        hash.add(0x01)
        hash.add(workstream.outputs)
        return hash.hex
    }

    /// One hash over every workstream's id and definition.
    public static func of(feature workstreams: [Workstream]) -> String {
        fnv1a(workstreams.sorted { $0.id < $1.id }.map { "\($0.id)=\(of($0))" }.joined(separator: ";"))
    }

    static func fnv1a(_ text: String) -> String {
        var hash = FNV1a()
        hash.add(text)
        return hash.hex
    }

    /// 64-bit FNV-1a, fed a byte at a time.
    private struct FNV1a {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325

        mutating func add(_ byte: UInt8) {
            value ^= UInt64(byte)
            value &*= 0x100_0000_01b3
        }

        mutating func add(_ text: String) {
            for byte in text.utf8 { add(byte) }
        }

        /// `texts` joined by commas.
        mutating func add(_ texts: [String]) {
            for (index, text) in texts.enumerated() {
                if index > 0 { add(UInt8(ascii: ",")) }
                add(text)
            }
        }

        /// 16 lowercase hex digits, leading zeros included.
        var hex: String {
            String(unsafeUninitializedCapacity: 16) { buffer in
                for index in 0..<16 {
                    let digit = UInt8((value >> UInt64(60 - 4 * index)) & 0xF)
                    buffer[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10
                }
                return 16
            }
        }
    }
}
