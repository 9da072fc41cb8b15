import Testing

@testable import OneshotWorkstreams

@Suite struct MetadataListTests {
    /// The header of seed 003 exactly as the original system wrote it.
    static let seed = """
        # 00-052-14: Checkpoint Atomic Writes for @oneshot

        ## Metadata
        - **ws_id**: 00-052-14
        - **project_id**: 00
        - **feature_id**: 052
        - **title:** Checkpoint Atomic Writes for @oneshot
        - **status**: in_progress
        - **priority**: P1
        - **dependencies**: 00-052-13
        - **estimated_days**: 1-2
        - **complexity**: MEDIUM

        ## Goal
        - **ws_id**: not-this-one
        """

    @Test func readsTheSeedForm() throws {
        let workstream = try #require(try WorkstreamParser.parse(Array(Self.seed.utf8), file: "14.md"))
        #expect(workstream.id == "00-052-14")
        #expect(workstream.featureID == "F052")
        #expect(workstream.title == "Checkpoint Atomic Writes for @oneshot")
        #expect(workstream.dependencies == ["00-052-13"])
        #expect(workstream.declaredStatus == "in_progress")
        #expect(workstream.source?.line == 4)
    }

    @Test(arguments: ["none", "-", "", "None"])
    func emptyDependencyMarkers(marker: String) throws {
        let text = "## Metadata\n- **ws_id**: a\n- **dependencies**: \(marker)\n"
        let workstream = try #require(try WorkstreamParser.parse(Array(text.utf8), file: "a.md"))
        #expect(workstream.dependencies.isEmpty)
    }

    @Test func commaSeparatedDependenciesAndBacktickedValues() throws {
        let text = "## Metadata\n- **ws_id**: `a`\n- **dependencies**: b, `c`,d\n- run: `make x`\n"
        let workstream = try #require(try WorkstreamParser.parse(Array(text.utf8), file: "a.md"))
        #expect(workstream.id == "a")
        #expect(workstream.dependencies == ["b", "c", "d"])
        #expect(workstream.command == "make x")
    }

    @Test func bothFormsDeclaringAnIDIsAnError() {
        let text = "---\nws_id: a\n---\n## Metadata\n- **ws_id**: a\n"
        #expect {
            try WorkstreamParser.parse(Array(text.utf8), file: "both.md")
        } throws: { error in
            (error as? InputErrors)?.errors.first?.description.hasPrefix(
                "both.md:5: ws_id is declared twice, in the front matter (line 2) and in the ## Metadata list (line 5)"
            ) == true
        }
    }

    @Test func frontMatterWithoutIDDefersToTheMetadataList() throws {
        let text = "---\ntitle: T\n---\n## Metadata\n- **ws_id**: a\n"
        #expect(try WorkstreamParser.parse(Array(text.utf8), file: "a.md")?.id == "a")
    }
}
