import Testing

@testable import OneshotWorkstreams

private func parse(_ text: String, file: String = "ws.md") throws -> Workstream? {
    try WorkstreamParser.parse(Array(text.utf8), file: file)
}

private func errors(_ text: String) -> [String] {
    do {
        _ = try parse(text)
        return []
    } catch let error as InputErrors {
        return error.errors.map(\.description)
    } catch {
        return ["\(error)"]
    }
}

@Suite struct FrontMatterTests {
    @Test func readsEveryKnownKey() throws {
        let workstream = try #require(
            try parse(
                """
                ---
                ws_id: 00-052-06
                feature_id: "052"
                title: 'Parallel dispatcher'
                depends_on: [00-052-02, "00-052-04"]
                run: make test   # trailing comment
                timeout: 10m
                retries: 2
                outputs:
                  - build/out.txt
                  - build/other.txt
                idempotent: false
                status: Pending
                ---
                # Body
                """))
        #expect(workstream.id == "00-052-06")
        #expect(workstream.featureID == "F052")
        #expect(workstream.title == "Parallel dispatcher")
        #expect(workstream.dependencies == ["00-052-02", "00-052-04"])
        #expect(workstream.command == "make test")
        #expect(workstream.timeout == .seconds(600))
        #expect(workstream.retries == 2)
        #expect(workstream.outputs == ["build/out.txt", "build/other.txt"])
        #expect(workstream.isIdempotent == false)
        #expect(workstream.declaredStatus == "pending")
        #expect(workstream.source == SourceLocation(file: "ws.md", line: 2))
    }

    @Test func acceptsBlockListsAtKeyIndentAndBlockScalars() throws {
        let workstream = try #require(
            try parse(
                """
                ---
                ws_id: a
                depends_on:
                - b
                - c
                run: |
                  echo one
                  echo two
                ---
                """))
        #expect(workstream.dependencies == ["b", "c"])
        #expect(workstream.command == "echo one\necho two")
    }

    @Test func ignoresUnknownKeysIncludingNestedMappings() throws {
        let workstream = try #require(
            try parse(
                """
                ---
                ws_id: a
                owner:
                  name: x
                  tags: [1, 2]
                estimate: 3d
                ---
                """))
        #expect(workstream.id == "a")
    }

    @Test func flowListsMaySpanLinesAndBeEmpty() throws {
        let spanning = try #require(try parse("---\nws_id: a\ndepends_on: [b,\n  c]\n---\n"))
        #expect(spanning.dependencies == ["b", "c"])
        let empty = try #require(try parse("---\nws_id: a\ndepends_on: []\n---\n"))
        #expect(empty.dependencies.isEmpty)
        // A trailing comma, as YAML allows, quoted or not.
        for list in ["[b, \"c\", ]", "[\"b\", c,]", "[b, c, ]  # done"] {
            let trailing = try #require(try parse("---\nws_id: a\ndepends_on: \(list)\n---\n"))
            #expect(trailing.dependencies == ["b", "c"], "\(list)")
        }
    }

    @Test func acceptsBOMAndCRLF() throws {
        let text = "\u{FEFF}---\r\nws_id: a\r\ndepends_on: [b]\r\n---\r\n"
        let workstream = try #require(try parse(text))
        #expect(workstream.id == "a")
        #expect(workstream.dependencies == ["b"])
    }

    @Test func fileWithoutWsIDIsNotAWorkstream() throws {
        #expect(try parse("# Summary\n\nNo metadata here.\n") == nil)
        #expect(try parse("---\ntitle: Overview\n---\n") == nil)
    }

    @Test(arguments: [
        ("---\nws_id: a\n", "ws.md:1: front matter opened with '---' is never closed"),
        ("---\nws_id: a\ndepends_on:\n\t- b\n---\n", "ws.md:4: tab used for indentation"),
        ("---\nws_id: a\ntimeout: soon\n---\n", "ws.md:3: invalid timeout 'soon'"),
        ("---\nws_id: a\ntimeout: -5s\n---\n", "ws.md:3: invalid timeout '-5s'"),
        ("---\nws_id: a\nretries: many\n---\n", "ws.md:3: invalid retries 'many'"),
        ("---\nws_id: a\nretries: -1\n---\n", "ws.md:3: invalid retries '-1'"),
        ("---\nws_id: a b\n---\n", "ws.md:2: invalid ws_id 'a b': a space is not allowed"),
        ("---\nws_id: ../x\n---\n", "ws.md:2: invalid ws_id '../x': '/' is not allowed"),
        ("---\nws_id: -j\n---\n", "ws.md:2: invalid ws_id '-j': it starts with '-'"),
        ("---\nws_id: a\ndepends_on: [--force]\n---\n", "ws.md:3: invalid dependency '--force': it starts with '-'"),
        ("---\nws_id: a\nws_id: b\n---\n", "ws.md:3: 'ws_id' repeats 'ws_id' (line 2)"),
        ("---\nws_id: a\ndepends_on: [b\n---\n", "ws.md:3: list opened with '[' is never closed"),
        ("---\nws_id: \"a\n---\n", "ws.md:2: quoted value is never closed"),
        ("---\nws_id: a\nidempotent: maybe\n---\n", "ws.md:3: invalid idempotent 'maybe'"),
        ("---\nws_id: a\njust text\n---\n", "ws.md:3: expected 'key: value'"),
        ("---\nws_id: a\ndepends_on: [a]\n---\n", "ws.md:3: workstream a depends on itself"),
        ("---\nws_id: [a, b]\n---\n", "ws.md:2: 'ws_id' takes a single value, found a list"),
        // CR-only line ends were one line: the file was skipped as one declaring no ws_id (hostile review 7).
        ("---\rws_id: a\r---\r", "ws.md:1: line ends are CR only"),
        ("---\nws_id: a\ndependencies: [b]\ndepends_on: [c]\n---\n", "ws.md:4: 'depends_on' repeats 'dependencies' (line 3)"),
        // One rule for quoted and plain items: junk after ']' and empty items are errors.
        ("---\nws_id: a\ndepends_on: [\"b\", ] junk\n---\n", "ws.md:3: unexpected text after ']': 'junk'"),
        ("---\nws_id: a\ndepends_on: [b, ] junk\n---\n", "ws.md:3: unexpected text after ']': 'junk'"),
        ("---\nws_id: a\ndepends_on: [b, , c]\n---\n", "ws.md:3: empty item in a list"),
        ("---\nws_id: a\ndepends_on: [\"b\", , c]\n---\n", "ws.md:3: empty item in a list"),
        ("---\nws_id: a\ndepends_on: [, b]\n---\n", "ws.md:3: empty item in a list"),
    ])
    func reportsErrorsWithFileAndLine(text: String, expected: String) {
        let found = errors(text)
        #expect(found.contains { $0.hasPrefix(expected) }, "got \(found)")
    }

    @Test func reportsEveryProblemOfAFile() {
        let found = errors("---\nws_id: a\ntimeout: x\nretries: y\n---\n")
        #expect(found.count == 2)
    }

    @Test func rejectsInvalidUTF8NamingTheLine() {
        var bytes = Array("---\nws_id: a\ntitle: ".utf8)
        bytes += [0xC3, 0x28]
        bytes += Array("\n---\n".utf8)
        #expect(throws: InputErrors.self) { try WorkstreamParser.parse(bytes, file: "bad.md") }
        do {
            _ = try WorkstreamParser.parse(bytes, file: "bad.md")
        } catch {
            #expect(error.errors.first?.description == "bad.md:3: not valid UTF-8; save the file as UTF-8")
        }
    }
}
