import Foundation
import OneshotDispatch
import OneshotSystem
import OneshotWorkstreams
import Testing

@testable import OneshotCheckpoint

/// The hot path's encoders and hashes (#16) against independent references, over seeded random
/// inputs: `JSONWriter` read back by `JSONSerialization`, ``JSONKey`` against a key written by
/// name, ``DefinitionHash`` against the joined-text hash it replaced (a changed hash makes
/// finished work look out of date, and run it again), ``JournalClock`` against formatting every
/// time, with the wall clock stepping back and jumping. Each failure names its seed.
@Suite struct CheckpointEncoderPropertyTests {
    /// Texts JSON must escape or carry as they are: quotes, backslashes, every control
    /// character, separators of the hashed text, combining marks, astral scalars.
    private static let pieces: [String] =
        ["\"", "\\", "/", ",", "\u{1}", "\u{7F}", "é", "e\u{301}", "\u{301}", "日本", "🧪", "\u{FEFF}", "\u{2028}", "a", "0"]
        + (0..<0x20).map { String(UnicodeScalar(UInt8($0))) }

    /// `pieces` but U+FEFF, which Foundation's `JSONSerialization` drops at the end of a text it
    /// reads (checked by hand: `"\\f\\u0005\u{FEFF}"` reads back as two scalars).
    private static let readablePieces = pieces.filter { $0 != "\u{FEFF}" }

    private static func text(_ random: inout SeededRandom, long: Bool = false, readable: Bool = false) -> String {
        let pieces = readable ? readablePieces : pieces
        let count =
            long && Bool.random(using: &random)
            ? Int.random(in: 200...3000, using: &random) : Int.random(in: 0...8, using: &random)
        return (0..<count).map { _ in pieces[Int.random(in: 0..<pieces.count, using: &random)] }.joined()
    }

    private static func randomInteger(_ random: inout SeededRandom) -> Int64 {
        let edges: [Int64] = [0, 1, -1, 9, 10, -10, 99, 100, .max, .min, .max - 1, .min + 1, 1 << 53, -(1 << 53) - 1]
        return Bool.random(using: &random)
            ? edges[Int.random(in: 0..<edges.count, using: &random)] : Int64.random(in: .min ... .max, using: &random)
    }

    /// A JSON value as `JSONSerialization` reads it back, and the writer that wrote it.
    private indirect enum Value {
        case string(String), integer(Int64), unsigned(UInt64), bool(Bool), null
        case array([Value]), object([(String, Value)])

        static func random(_ random: inout SeededRandom, depth: Int) -> Value {
            let kind = depth <= 0 ? Int.random(in: 0..<5, using: &random) : Int.random(in: 0..<8, using: &random)
            switch kind {
            case 0: return .string(text(&random, long: true, readable: true))
            case 1: return .integer(CheckpointEncoderPropertyTests.randomInteger(&random))
            case 2: return .unsigned(UInt64.random(in: UInt64(Int64.max)...UInt64.max, using: &random))
            case 3: return .bool(Bool.random(using: &random))
            case 4: return .null
            case 5: return .array((0..<Int.random(in: 0...3, using: &random)).map { _ in .random(&random, depth: depth - 1) })
            default:
                // Distinct keys in sorted order, as every caller writes them.
                var keys = Set<String>()
                for _ in 0..<Int.random(in: 0...3, using: &random) { keys.insert(text(&random, readable: true)) }
                return .object(keys.sorted().map { ($0, .random(&random, depth: depth - 1)) })
            }
        }

        func write(to writer: inout JSONWriter) {
            switch self {
            case .string(let text): writer.string(text)
            case .integer(let value): writer.integer(value)
            case .unsigned(let value): writer.integer(value)
            case .bool(let value): writer.json(Array((value ? "true" : "false").utf8))
            case .null: writer.null()
            case .array(let values):
                writer.beginArray()
                for value in values { value.write(to: &writer) }
                writer.endArray()
            case .object(let members):
                writer.beginObject()
                for (key, value) in members {
                    // Alternately by name and by encoded key: both must write the same.
                    if key.utf8.count % 2 == 0 { writer.key(key) } else { writer.key(JSONKey(key)) }
                    value.write(to: &writer)
                }
                writer.endObject()
            }
        }

        /// Whether `object`, as `JSONSerialization` read it, is this value.
        func matches(_ object: Any) -> Bool {
            switch self {
            case .string(let text):
                return (object as? String).map { Array($0.unicodeScalars) == Array(text.unicodeScalars) } ?? false
            case .integer(let value):
                return (object as? NSNumber).map { $0.int64Value == value && "\($0)" == "\(value)" } ?? false
            case .unsigned(let value): return (object as? NSNumber).map { "\($0)" == "\(value)" } ?? false
            case .bool(let value): return (object as? Bool) == value
            case .null: return object is NSNull
            case .array(let values):
                guard let array = object as? [Any], array.count == values.count else { return false }
                return zip(values, array).allSatisfy { $0.matches($1) }
            case .object(let members):
                guard let dictionary = object as? [String: Any], dictionary.count == members.count else { return false }
                return members.allSatisfy { key, value in dictionary[key].map(value.matches) ?? false }
            }
        }

        /// The value inside `levels` arrays and objects, alternating.
        func nested(_ levels: Int) -> Value {
            (0..<levels).reduce(self) { value, level in level % 2 == 0 ? .array([.null, value]) : .object([("k", value)]) }
        }
    }

    @Test func writtenJSONReadsBackAsWhatWasWrittenAtAnyDepth() throws {
        let seed = propertySeed()
        var random = SeededRandom(seed: seed)
        for round in 0..<400 {
            var value = Value.random(&random, depth: 4)
            // Past the 64 levels the writer keeps in bits, and back out of them.
            if round % 4 == 0 { value = Value.array([value.nested(Int.random(in: 60...140, using: &random)), .integer(1)]) }
            var writer = JSONWriter()
            value.write(to: &writer)
            let object = try JSONSerialization.jsonObject(with: Data(writer.bytes), options: [.fragmentsAllowed])
            #expect(
                value.matches(object),
                "seed \(seed), round \(round): \(String(decoding: writer.bytes.prefix(300), as: UTF8.self))")
        }
    }

    @Test func anEncodedKeyWritesWhatTheKeyByNameWrites() {
        let seed = propertySeed()
        var random = SeededRandom(seed: seed)
        for _ in 0..<2000 {
            let (name, value) = (Self.text(&random, long: true), Self.randomInteger(&random))
            var byName = JSONWriter()
            var byKey = JSONWriter()
            byName.beginObject()
            byKey.beginObject()
            byName.field("first", value)
            byKey.field(JSONKey("first"), value)
            byName.field(name, value)
            byKey.field(JSONKey(name), value)
            byName.field(name, Double(value) / 3)
            byKey.field(JSONKey(name), Double(value) / 3)
            byName.endObject()
            byKey.endObject()
            #expect(byName.bytes == byKey.bytes, "seed \(seed): \(name.debugDescription)")
        }
    }

    /// The hash as it was before it was computed part by part (da3059d).
    private static func joinedTextHash(_ workstream: Workstream) -> String {
        var text = workstream.dependencies.sorted().joined(separator: ",")
        text += "\u{1}" + (workstream.command ?? "") + "\u{1}" + workstream.outputs.joined(separator: ",")
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    @Test func theDefinitionHashIsTheJoinedTextHashForEveryInput() {
        let seed = propertySeed()
        var random = SeededRandom(seed: seed)
        func texts() -> [String] { (0..<Int.random(in: 0...5, using: &random)).map { _ in Self.text(&random) } }
        var workstreams = [
            Workstream(id: "a"), Workstream(id: "b", command: ""), Workstream(id: "c", dependencies: [""], outputs: [""]),
            Workstream(id: "d", dependencies: ["e\u{301}", "é", "b"], command: "\u{1}", outputs: [",", "\u{1}"]),
            Workstream(id: "e", dependencies: ["é", "e\u{301}", "a"]), Workstream(id: "f", dependencies: ["b", "a", "b"]),
        ]
        for _ in 0..<3000 {
            workstreams.append(
                Workstream(
                    id: "w", dependencies: texts(), command: Bool.random(using: &random) ? Self.text(&random, long: true) : nil,
                    outputs: texts()))
        }
        for workstream in workstreams {
            #expect(DefinitionHash.of(workstream) == Self.joinedTextHash(workstream), "seed \(seed): \(workstream.dependencies)")
        }
    }

    @Test func theJournalClockGivesEachTimesOwnTextsWhenTheClockStepsBackOrJumps() {
        let seed = propertySeed()
        var random = SeededRandom(seed: seed)
        var clock = JournalClock()
        // From before the epoch to the last millisecond of 9999, across leap days and years.
        let starts: [Double] = [-86_400 * 365.25 * 10, -0.0005, 0, 951_782_399.9995, 1_790_000_000.9985, 253_402_300_799.998]
        var now = starts[0]
        for step in 0..<20_000 {
            switch Int.random(in: 0..<10, using: &random) {
            case 0: now = starts[Int.random(in: 0..<starts.count, using: &random)]
            case 1: now -= Double.random(in: 0...2, using: &random)  // stepped back
            case 2: now += Double(Int.random(in: -3...3, using: &random)) + 0.000_5  // the same sub-millisecond, another second
            case 3: now = now.rounded(.down) + Double(Int.random(in: 0...999, using: &random)) / 1000 + 0.000_499_9
            default: now += Double.random(in: 0...0.0015, using: &random)
            }
            now = min(now, 253_402_300_799.999)
            let date = Date(timeIntervalSince1970: now)
            clock.advance(to: date)
            let context = "seed \(seed), step \(step), \(now)"
            #expect(clock.milliseconds.text == RFC3339.formatMilliseconds(date), "\(context)")
            #expect(clock.milliseconds.ms == EpochMilliseconds.parse(clock.milliseconds.text), "\(context)")
            #expect(clock.seconds.text == RFC3339.format(date), "\(context)")
        }
    }
}

/// The seed of a property test: `ONESHOT_TEST_SEED` when set (to replay a failure), else random.
func propertySeed() -> UInt64 {
    ProcessInfo.processInfo.environment["ONESHOT_TEST_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 0...UInt64.max)
}
