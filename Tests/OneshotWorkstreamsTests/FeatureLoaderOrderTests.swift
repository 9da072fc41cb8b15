import Foundation
import Testing

@testable import OneshotWorkstreams

/// A large feature is read by a few threads at once: its workstreams and its errors still come
/// out in file order, every one of them, as when the files were read one by one.
@Suite(.timeLimit(.minutes(3))) struct FeatureLoaderOrderTests {
    @Test func manyFilesGiveTheirWorkstreamsAndErrorsInFileOrder() throws {
        let folder = try TemporaryFolder()
        let names = (0..<700).map { String(format: "w%04d", $0) }
        for (index, name) in names.enumerated() {
            let text: String
            switch index % 97 {
            case 5: text = "---\nws_id: \(name)\ntimeout: soon\n---\n"
            case 11: text = "# a summary, no workstream\n"
            default: text = "---\nws_id: \(name)\n---\n"
            }
            try folder.write("features/F1/\(index % 3 == 0 ? "sub/" : "")\(name).md", text)
        }
        let loader = FeatureLoader(layout: .folderPerFeature(root: folder.path + "/features"), displayBase: folder.path)
        let path = { (index: Int) in "features/F1/\(index % 3 == 0 ? "sub/" : "")\(names[index]).md" }
        let broken = names.indices.filter { $0 % 97 == 5 }.sorted { path($0) < path($1) }
        #expect {
            _ = try loader.load(FeatureID(validating: "F1"))
        } throws: { error in
            (error as? InputErrors)?.errors.map(\.description)
                == broken.map { "\(path($0)):3: invalid timeout 'soon'; expected a duration such as 90s, 10m or 1h" }
        }
        for index in broken { try folder.write(path(index), "---\nws_id: \(names[index])\n---\n") }
        let feature = try loader.load(FeatureID(validating: "F1"))
        let declared = names.indices.filter { $0 % 97 != 11 }.sorted { path($0) < path($1) }
        #expect(feature.workstreams.map(\.id) == declared.map { names[$0] })
        #expect(feature.workstreams.map(\.source?.file) == declared.map(path))
    }
}
