import OneshotDispatch
import Testing

@testable import OneshotWorkstreams

/// A file's decoding: the whole-file fast path for valid UTF-8 gives the lines the line-by-line
/// check gives, and a faulty file the same error naming the same line.
@Suite(.timeLimit(.minutes(3))) struct SourceTextTests {
    /// The line-by-line decoding, on every file (the fast path's reference).
    private func reference(_ bytes: [UInt8]) -> Result<[String], InputError> {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        return Result { () throws(InputError) in try SourceText.linesCheckedOneByOne(body, file: "f.md").map(String.init) }
    }

    private func decoded(_ bytes: [UInt8]) -> Result<[String], InputError> {
        Result { () throws(InputError) in try SourceText(bytes: bytes, file: "f.md").lines.map(String.init) }
    }

    @Test func lineEndsAndMarksAsBefore() {
        let cases: [(String, [String])] = [
            ("", []), ("a", ["a"]), ("a\n", ["a"]), ("a\n\n", ["a", ""]), ("a\r\nb\r\n", ["a", "b"]),
            ("a\n\r", ["a"]), ("a\r\r\n", ["a\r"]), ("\r", []), ("\u{FEFF}x\n", ["x"]), ("é\u{301}\nü\r\n", ["é\u{301}", "ü"]),
            ("\r\n\r\n", ["", ""]), ("a\rb\n", ["a\rb"]),
        ]
        for (text, lines) in cases {
            #expect((try? decoded(Array(text.utf8)).get()) == lines, "\(text.debugDescription)")
            #expect((try? reference(Array(text.utf8)).get()) == lines, "\(text.debugDescription)")
        }
    }

    @Test func aFaultIsNamedByItsLine() {
        let nul = decoded(Array("a\nb\0\n".utf8))
        #expect(throws: InputError("NUL byte in a text file; expected UTF-8 Markdown", at: .init(file: "f.md", line: 2))) {
            try nul.get()
        }
        let invalid = decoded([0x61, 0x0A, 0x0A, 0xC3, 0x28, 0x0A])
        #expect(throws: InputError("not valid UTF-8; save the file as UTF-8", at: .init(file: "f.md", line: 3))) {
            try invalid.get()
        }
    }

    /// Random byte strings from an alphabet of line ends, NULs, marks, multi-byte characters and
    /// broken sequences: both decodings agree on every one, lines or error.
    @Test func randomBytesDecodeAsTheLineByLineCheckDecodesThem() {
        let pieces: [[UInt8]] =
            ["a", "b", " ", "\n", "\r", "\r\n", "\0", "é", "€", "😀", "e\u{301}", "\u{FEFF}", "---", ":"].map { Array($0.utf8) }
            + [[0xFF], [0xC3], [0xE2, 0x82], [0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF]]
        var random = SeededRandom(seed: 0x5EED_0016)
        var faulty = 0
        for _ in 0..<20_000 {
            var bytes: [UInt8] = random.next() % 8 == 0 ? [0xEF, 0xBB, 0xBF] : []
            for _ in 0..<Int(random.next() % 24) { bytes += pieces[Int(random.next() % UInt64(pieces.count))] }
            let (new, old) = (decoded(bytes), reference(bytes))
            switch (new, old) {
            case (.success(let a), .success(let b)): #expect(a == b, "\(bytes)")
            case (.failure(let a), .failure(let b)):
                #expect(a == b, "\(bytes)")
                faulty += 1
            default: Issue.record("\(bytes): \(new) but line by line \(old)")
            }
        }
        #expect(faulty > 1_000, "the alphabet should break many strings")
    }

    /// `trimmingSpaces` compares bytes now; it cuts where the scalar-by-scalar version cut, a
    /// combining mark after a space included, for strings and substrings alike.
    @Test func trimmingSpacesCutsWhereTheScalarVersionCut() {
        func scalarVersion(_ text: String) -> String {
            let scalars = text.unicodeScalars
            guard let start = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
            let end = scalars.lastIndex(where: { $0 != " " && $0 != "\t" }) ?? start
            return String(scalars[start...end])
        }
        let pieces = [" ", "\t", "a", "é", "\u{301}", "😀", "\r", "\n", "\u{A0}", "\u{3000}", "-"]
        var random = SeededRandom(seed: 0x7121_3000)
        for _ in 0..<20_000 {
            var text = ""
            for _ in 0..<Int(random.next() % 10) { text += pieces[Int(random.next() % UInt64(pieces.count))] }
            #expect(text.trimmingSpaces() == scalarVersion(text), "\(text.debugDescription)")
            let inner = ("x" + text + "y").dropFirst().dropLast()
            #expect(inner.trimmingSpaces() == scalarVersion(String(inner)), "\(text.debugDescription)")
            #expect(text.trimmingSpaces().utf8.elementsEqual(scalarVersion(text).utf8))
        }
    }
}
