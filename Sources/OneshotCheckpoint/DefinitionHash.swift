import OneshotWorkstreams

/// A short, stable hash of what a workstream does (dependencies, command, outputs), so a resume
/// can tell whether a completed workstream's file changed since it completed.
public enum DefinitionHash {
    /// FNV-1a over the workstream's dependencies (sorted), command and outputs, as 16 hex digits.
    public static func of(_ workstream: Workstream) -> String {
        var text = workstream.dependencies.sorted().joined(separator: ",")
        text += "\u{1}" + (workstream.command ?? "") + "\u{1}" + workstream.outputs.joined(separator: ",")
        return fnv1a(text)
    }

    /// One hash over every workstream's id and definition.
    public static func of(feature workstreams: [Workstream]) -> String {
        fnv1a(workstreams.sorted { $0.id < $1.id }.map { "\($0.id)=\(of($0))" }.joined(separator: ";"))
    }

    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
