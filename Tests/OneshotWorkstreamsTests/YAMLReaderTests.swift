import OneshotWorkstreams
import Testing

/// The one reader of oneshot's YAML subset, for workstream front matter and `.sdp/config.yml`.
@Suite struct YAMLReaderTests {
    private func read(_ text: String) -> (entries: [YAMLEntry], problems: [InputError]) {
        YAMLReader.entries(text.split(separator: "\n", omittingEmptySubsequences: false), file: "f.yml")
    }

    @Test func readsScalarsListsAndBlocks() throws {
        let read = read("a: 1\nb: 'two # not a comment'\nc: [x, \"y\"]\nd:\n  - p\n  - q\ne:\nf: |\n  one\n  two\n")
        #expect(read.problems.isEmpty)
        #expect(read.entries.map(\.key) == ["a", "b", "c", "d", "e", "f"])
        #expect(
            read.entries.map(\.value)[..<5] == [
                .scalar("1"), .scalar("two # not a comment"), .list(["x", "y"]), .list(["p", "q"]), .scalar(nil),
            ])
        #expect(read.entries[5].value == .scalar("one\ntwo"))
        #expect(read.entries.map(\.line) == [1, 2, 3, 4, 7, 8])
    }

    @Test func aBlockIsANestedMappingForWhoeverReadsItAndTextForOthers() throws {
        let read = read("breaker:\n  threshold: 3\n  # why\n  timeout: 60s\nnext: 1\n")
        #expect(read.problems.isEmpty)
        guard case .block(let block) = read.entries.first?.value else {
            Issue.record("expected a block: \(read.entries)")
            return
        }
        #expect(block.text == "threshold: 3 timeout: 60s")
        let nested = block.entries(file: "f.yml")
        #expect(nested.problems.isEmpty)
        #expect(nested.entries.map(\.key) == ["threshold", "timeout"])
        #expect(nested.entries.map(\.value) == [.scalar("3"), .scalar("60s")])
        #expect(nested.entries.map(\.line) == [2, 4])
        #expect(read.entries.last?.key == "next" && read.entries.last?.value == .scalar("1") && read.entries.last?.line == 5)
    }

    @Test func everyBadLineIsAProblemInOnePassNamingItsLine() {
        let read = read("\tjobs: 2\n- item\njust text\nok: 1\nx: 'open\n")
        #expect(
            read.problems.map(\.description) == [
                "f.yml:1: tab used for indentation; use spaces",
                "f.yml:2: list item without a key; expected 'key:' on the line above",
                "f.yml:3: expected 'key: value', found 'just text'",
                "f.yml:5: quoted value is never closed; expected a closing '",
            ])
        #expect(read.entries.map(\.key) == ["ok"])
        #expect(read.entries.map(\.line) == [4])
    }

    @Test func aFlowListOfQuotedItemsReadsBackAsWritten() throws {
        let items = ["--time=5", "a, b", "say \"hi\"", "back\\slash", ""]
        let text = YAMLScalar.flowList(items)
        #expect(try YAMLScalar.flowList(text, at: SourceLocation(file: "f")) == items)
    }

    @Test func oneBooleanSpelling() {
        for text in ["true", "Yes", "ON"] { #expect(YAMLScalar.boolean(text) == true) }
        for text in ["false", "no", "Off"] { #expect(YAMLScalar.boolean(text) == false) }
        for text in ["1", "", "maybe"] { #expect(YAMLScalar.boolean(text) == nil) }
    }
}
