import Testing

@testable import OneshotWorkstreams

/// `verify:` — the command a resume runs to learn whether uncertain work was done — is read in
/// both forms, where and as `run:` is.
@Suite struct VerifyFieldTests {
    private func parse(_ text: String, file: String = "ws.md") throws -> Workstream? {
        try WorkstreamParser.parse(Array(text.utf8), file: file)
    }

    @Test func frontMatterVerifyIsReadLikeRun() throws {
        let workstream = try #require(
            try parse(
                "---\nws_id: pay\nrun: ./pay.sh\nverify: test -f receipts/pay   # checked on resume\nidempotent: false\n---\n"))
        #expect(workstream.verify == "test -f receipts/pay")
        #expect(workstream.command == "./pay.sh")
    }

    @Test func frontMatterVerifyTakesABlockScalar() throws {
        let workstream = try #require(try parse("---\nws_id: pay\nverify: |\n  test -f a\n  grep -q ok a\n---\n"))
        #expect(workstream.verify == "test -f a\ngrep -q ok a")
    }

    @Test func metadataListVerifyIsReadWithItsBackticksRemoved() throws {
        let text = "## Metadata\n- **ws_id**: pay\n- **run**: `./pay.sh`\n- **verify**: `test -f receipts/pay`\n"
        let workstream = try #require(try parse(text, file: "pay.md"))
        #expect(workstream.verify == "test -f receipts/pay")
        #expect(workstream.command == "./pay.sh")
    }

    @Test func noVerifyAndAnEmptyVerifyAreNone() throws {
        #expect(try parse("---\nws_id: a\nrun: true\n---\n")?.verify == nil)
        #expect(try parse("---\nws_id: a\nrun: true\nverify:\n---\n")?.verify == nil)
        #expect(try parse("## Metadata\n- **ws_id**: a\n")?.verify == nil)
    }

    @Test func aListIsAnErrorNamingTheFileAndLine() {
        #expect {
            try parse("---\nws_id: a\nverify: [test -f a, test -f b]\n---\n", file: "features/F1/a.md")
        } throws: { error in
            (error as? InputErrors)?.errors.map(\.description) == [
                "features/F1/a.md:3: 'verify' takes a single value, found a list"
            ]
        }
    }

    @Test func aRepeatedVerifyIsAnError() {
        #expect {
            try parse("## Metadata\n- **ws_id**: a\n- **verify**: true\n- **verify**: false\n", file: "a.md")
        } throws: { error in
            (error as? InputErrors)?.errors.first?.description == "a.md:4: 'verify' repeats 'verify' (line 3); keep one"
        }
    }
}
