import Foundation
import OneshotSystem
import Testing

/// ``JSONWriter`` keeps whether each open object or array has a member in bits (64 levels) and
/// beyond them in a list: the commas come out right at every depth, and every integer type is
/// written as its decimal text.
@Suite struct JSONWriterNestingTests {
    @Test(arguments: [1, 2, 63, 64, 65, 130])
    func commasComeOutRightAtEveryDepth(depth: Int) throws {
        var writer = JSONWriter()
        for _ in 0..<depth {
            writer.beginArray()
            writer.integer(1)
        }
        for _ in 0..<depth {
            writer.integer(2)
            writer.endArray()
        }
        let expected = String(repeating: "[1,", count: depth) + String(repeating: "2]", count: depth)
        // The inner array follows the 1 of its parent: `[1,[1,2],2]` at depth 2.
        let text = String(decoding: writer.bytes, as: UTF8.self)
        #expect(text == expected.replacingOccurrences(of: "]2", with: "],2"))
        _ = try JSONSerialization.jsonObject(with: Data(writer.bytes))
    }

    @Test func objectsInObjectsSeparateTheirMembers() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("a")
        writer.beginObject()
        writer.field("x", 1)
        writer.field("y", Int32(-2))
        writer.endObject()
        writer.field("b", UInt64.max)
        writer.field("c", Int64.min)
        writer.endObject()
        writer.endLine()
        writer.beginObject()
        writer.endObject()
        #expect(
            String(decoding: writer.bytes, as: UTF8.self)
                == "{\"a\":{\"x\":1,\"y\":-2},\"b\":18446744073709551615,\"c\":-9223372036854775808}\n{}")
    }

    @Test func anEncodedKeyWritesWhatItsNameWrites() {
        let value: (inout JSONWriter, Int) -> Void = { writer, index in
            switch index % 7 {
            case 0: writer.field(JSONKey("a\"b\\c\n"), "x")
            case 1: writer.field(JSONKey("n"), Int32(-3))
            case 2: writer.field(JSONKey("b"), true)
            case 3: writer.field(JSONKey("d"), 0.25)
            case 4: writer.field(JSONKey("s"), ["p", "q"])
            case 5: writer.field(JSONKey("none"), Int?.none)
            default: writer.field(JSONKey("big"), UInt64.max)
            }
        }
        let named: (inout JSONWriter, Int) -> Void = { writer, index in
            switch index % 7 {
            case 0: writer.field("a\"b\\c\n", "x")
            case 1: writer.field("n", Int32(-3))
            case 2: writer.field("b", true)
            case 3: writer.field("d", 0.25)
            case 4: writer.field("s", ["p", "q"])
            case 5: writer.field("none", Int?.none)
            default: writer.field("big", UInt64.max)
            }
        }
        var keyed = JSONWriter()
        var plain = JSONWriter()
        keyed.beginObject()
        plain.beginObject()
        for index in 0..<14 {
            value(&keyed, index)
            named(&plain, index)
        }
        keyed.endObject()
        plain.endObject()
        #expect(keyed.bytes == plain.bytes)
        #expect(String(decoding: plain.bytes, as: UTF8.self).hasPrefix(#"{"a\"b\\c\n":"x","n":-3,"b":true,"d":0.25"#))
    }
}
