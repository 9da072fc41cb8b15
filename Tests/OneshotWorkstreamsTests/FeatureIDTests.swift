import Testing

@testable import OneshotWorkstreams

@Suite struct FeatureIDTests {
    @Test(arguments: ["F052", "f-1_x", "052"])
    func acceptsSafeIDs(id: String) throws {
        #expect(try FeatureID(validating: id).rawValue == id)
    }

    @Test(arguments: [
        ("", "feature id is empty"),
        ("F0/52", "'/' is not allowed"),
        ("..", "'.' is not allowed"),
        ("F 052", "a space is not allowed"),
        ("F\u{7}52", "control character U+0007 is not allowed"),
        ("F052é", "'é' is not allowed"),
    ])
    func rejectsUnsafeIDs(id: String, fragment: String) {
        #expect {
            try FeatureID(validating: id)
        } throws: { error in
            (error as? InputError)?.message.contains(fragment) == true
        }
    }

    @Test func normalisesNumericFeatureIDs() {
        #expect(FeatureID.normalise("052") == "F052")
        #expect(FeatureID.normalise("F052") == "F052")
    }

    @Test(arguments: [
        ("90s", 90_000), ("10m", 600_000), ("1h", 3_600_000), ("1h30m", 5_400_000), ("500ms", 500), ("2", 2000), ("0.5s", 500),
    ])
    func parsesDurations(text: String, milliseconds: Int64) {
        #expect(DurationText.parse(text) == .milliseconds(milliseconds))
    }

    @Test(arguments: ["", "0", "-1s", "soon", "10x", "s", "1e999"])
    func rejectsBadDurations(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test func formatsDurationsForPeople() {
        #expect(DurationText.format(.milliseconds(310)) == "0.31s")
        #expect(DurationText.format(.milliseconds(12_440)) == "12.4s")
        #expect(DurationText.format(.seconds(252)) == "4m12s")
        #expect(DurationText.format(.seconds(3900)) == "1h05m")
    }
}
