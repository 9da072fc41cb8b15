import Foundation
import OneshotDispatch
import Testing

@testable import OneshotWorkstreams

/// A seeded mutation fuzzer over the workstream parser: bytes flipped, truncated, spliced,
/// structural characters inserted. No input may trap or hang; every failure is a clean error
/// naming the file. `ONESHOT_FUZZ_ITERATIONS` runs more (the CI default is 20000).
@Suite(.timeLimit(.minutes(5))) struct ParserFuzzTests {
    static let iterations = ProcessInfo.processInfo.environment["ONESHOT_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 20000

    static let seeds: [[UInt8]] = [
        "---\nws_id: 00-052-06\nfeature_id: \"052\"\ntitle: 'Parallel'\ndepends_on: [a, \"b\"]\nrun: make x # c\ntimeout: 10m\nretries: 2\noutputs:\n  - out/x\nidempotent: false\n---\nBody\n",
        "---\nws_id: a\ndepends_on:\n- b\n- c\nrun: |\n  echo one\n  echo two\nowner:\n  name: x\n---\n",
        "# 00-052-14: Title\n\n## Metadata\n- **ws_id**: 00-052-14\n- **feature_id**: 052\n- **title:** T\n- **dependencies**: 00-052-13, `00-052-12`\n- **run**: `make`\n\n## Goal\n",
        "\u{FEFF}---\r\nws_id: a\r\nrun: \"echo \\\"q\\\" \\n\"\r\n---\r\n",
    ].map { Array($0.utf8) }

    static let tokens: [[UInt8]] =
        ["---\n", ":", "[", "]", "\"", "'", "\t", "\r\n", "- ", "#", "|", "**", "\u{0}", "\\", "\n  "].map { Array($0.utf8) }
        + [[0xFF], [0xC3], [0xE2, 0x82]]

    @Test func mutatedFilesNeverTrapAndFailCleanly() async {
        var random = SeededRandom(seed: 0x0123_4567)
        var parsed = 0
        var rejected = 0
        for iteration in 0..<Self.iterations {
            // CPU-bound: let the other tests (which wait on processes) have the cooperative pool.
            if iteration % 200 == 0 { await Task.yield() }
            let bytes = Self.mutate(Self.seeds[iteration % Self.seeds.count], &random)
            do {
                if try WorkstreamParser.parse(bytes, file: "fuzz.md") != nil { parsed += 1 }
            } catch {
                rejected += 1
                for problem in error.errors {
                    #expect(problem.location?.file == "fuzz.md", "an error without its file: \(problem)")
                    #expect(!problem.message.isEmpty)
                }
            }
        }
        #expect(parsed + rejected > 0)
        #expect(rejected > Self.iterations / 20, "the mutations should break some files")
    }

    static func mutate(_ seed: [UInt8], _ random: inout SeededRandom) -> [UInt8] {
        var bytes = seed
        for _ in 0..<(1 + Int(random.next() % 4)) {
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count))
            switch random.next() % 5 {
            case 0 where !bytes.isEmpty:
                bytes[position] ^= UInt8(truncatingIfNeeded: random.next() | 1)
            case 1:
                bytes = Array(bytes.prefix(position))
            case 2:
                let other = seeds[Int(random.next() % UInt64(seeds.count))]
                let start = Int(random.next() % UInt64(other.count))
                let length = Int(random.next() % UInt64(max(1, other.count - start)))
                bytes.insert(contentsOf: other[start..<(start + length)], at: position)
            case 3:
                bytes.insert(contentsOf: tokens[Int(random.next() % UInt64(tokens.count))], at: position)
            default:
                if !bytes.isEmpty { bytes.remove(at: position) }
            }
        }
        return bytes
    }
}
