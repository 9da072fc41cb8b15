import Foundation
import OneshotCheckpoint
import OneshotGraph
import OneshotWorkstreams
import Testing

@Suite struct HistoryPlanTests {
    private let feature = [
        Workstream(id: "a", command: "make a", outputs: ["out/a"]),
        Workstream(id: "b", dependencies: ["a"], command: "make b"),
        Workstream(id: "c", dependencies: ["a"]),
        Workstream(id: "d", dependencies: ["b", "c"], command: "make d"),
        Workstream(id: "done", command: "true", declaredStatus: "completed"),
    ]

    private func history(of workstreams: [Workstream], exec: String? = "agent {ws_id}") -> RunHistory {
        var entries: [String: RunHistory.Entry] = [:]
        for workstream in workstreams where !workstream.isDeclaredDone {
            entries[workstream.id] = RunHistory.Entry(
                definition: DefinitionHash.of(workstream), durationMS: 2_000, attempts: 1, costUSD: 0.25)
        }
        return RunHistory(
            version: 1, featureID: "F1", finishedAt: "2026-11-29T12:03:00Z", elapsedMS: 3_500, costUSD: 1, runs: 1, exec: exec,
            workstreams: entries)
    }

    @Test func anUnchangedFeatureWithItsOutputsIsUpToDate() throws {
        let plan = HistoryPlan.make(
            history: history(of: feature), graph: try WorkstreamGraph(feature), exec: "agent {ws_id}", outputExists: { _ in true }
        )
        #expect(plan.isUpToDate)
        #expect(plan.upToDate == ["a", "b", "c", "d"], "work declared done in its file is not the history's")
        #expect(plan.carried["b"]?.lastSuccessMS == 2_000)
        #expect(plan.carried["b"]?.definition == DefinitionHash.of(feature[1]))
    }

    @Test func aChangeRunsTheWorkstreamAndEverythingDownstreamWithReasons() throws {
        var changed = feature
        changed[1] = Workstream(id: "b", dependencies: ["a"], command: "make b --again")
        changed.append(Workstream(id: "e", command: "make e"))
        let plan = HistoryPlan.make(
            history: history(of: feature), graph: try WorkstreamGraph(changed), exec: "agent {ws_id}", outputExists: { _ in true }
        )
        #expect(plan.upToDate == ["a", "c"])
        #expect(
            plan.reruns == [
                .init(id: "b", reason: "its definition (command, dependencies or outputs) changed since it succeeded"),
                .init(id: "d", reason: "depends on b, which runs again"),
                .init(id: "e", reason: "new since the last run"),
            ])
    }

    @Test func aMissingOutputOrAnotherExecTemplateRunsAgain() throws {
        let graph = try WorkstreamGraph(feature)
        let missing = HistoryPlan.make(
            history: history(of: feature), graph: graph, exec: "agent {ws_id}", outputExists: { $0 != "out/a" })
        #expect(missing.upToDate.isEmpty)
        #expect(missing.reruns.first == .init(id: "a", reason: "its output out/a is missing"))
        let otherExec = HistoryPlan.make(
            history: history(of: feature), graph: graph, exec: "other {ws_id}", outputExists: { _ in true })
        #expect(otherExec.reruns.map(\.id) == ["c", "d"], "only the workstream without run: uses the template")
    }

    @Test func theHistoryIsWrittenAtomicallyAndReadBack() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("history/F1.json")
        let written = history(of: feature)
        try written.write(to: path)
        #expect(RunHistory.load(path, featureID: "F1") == (written, nil))
        #expect(written.knownDurations == ["a": 2, "b": 2, "c": 2, "d": 2])
        let other = RunHistory.load(path, featureID: "F2")
        #expect(other.history == nil)
        #expect(other.warning?.contains("is for feature F1, not F2") == true)
        #expect(RunHistory.load(folder.file("none.json"), featureID: "F1") == (nil, nil))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("history")) == ["F1.json"])
    }
}
