import Testing

@testable import OneshotWorkstreams

/// What a harness reads from a workstream file besides what oneshot uses: the Markdown body (the
/// agent's specification) and the keys that mean nothing to oneshot.
@Suite struct BodyAndExtraTests {
    private func parse(_ text: String) throws -> Workstream {
        try #require(try WorkstreamParser.parse(Array(text.utf8), file: "ws.md"))
    }

    @Test func theFrontMatterFormGivesTheMarkdownAfterItAndItsUnknownKeys() throws {
        let workstream = try parse(
            """
            ---
            ws_id: api
            model: opus
            budget_usd: 4.50
            reviewers: [ana, bo]
            empty:
            run: make api
            ---
            # Build the API

            - [ ] endpoints
            """)
        #expect(workstream.body == "# Build the API\n\n- [ ] endpoints\n")
        #expect(workstream.extra == ["model": "opus", "budget_usd": "4.50", "reviewers": "ana, bo", "empty": ""])
        #expect(workstream.command == "make api")
    }

    @Test func theMetadataFormGivesTheWholeFile() throws {
        let text = """
            # 00-052-14: Checkpoint

            ## Metadata
            - **ws_id**: 00-052-14
            - **owner**: ana
            - **dependencies**: none

            ## Goal
            Atomic writes.
            """
        let workstream = try parse(text)
        #expect(workstream.body == text + "\n")
        #expect(workstream.extra["owner"] == "ana")
        #expect(workstream.extra["ws_id"] == nil)
    }

    @Test func aFileWithNothingAfterItsFrontMatterHasAnEmptyBody() throws {
        #expect(try parse("---\nws_id: a\n---\n").body == "")
        #expect(Workstream(id: "built-in-code").body.isEmpty)
    }
}
