import OneshotWorkstreams
import Testing

@testable import OneshotGraph

private func ws(_ id: String, _ dependencies: [String] = [], file: String? = nil) -> Workstream {
    Workstream(id: id, dependencies: dependencies, source: file.map { SourceLocation(file: $0, line: 2) })
}

private func messages(_ workstreams: [Workstream], external: Set<String> = []) -> [String] {
    do {
        _ = try WorkstreamGraph(workstreams, satisfiedExternally: external)
        return []
    } catch {
        return error.errors.map(\.description)
    }
}

@Suite struct WorkstreamGraphTests {
    @Test func buildsEdgesIndegreesAndATopologicalOrder() throws {
        let graph = try WorkstreamGraph([ws("d", ["b", "c"]), ws("b", ["a"]), ws("c", ["a"]), ws("a")])
        #expect(graph.workstreams.map(\.id) == ["a", "b", "c", "d"])
        #expect(graph.indegrees == [0, 1, 1, 2])
        #expect(graph.dependents[0] == [1, 2])
        #expect(graph.topologicalOrder.map { graph.workstreams[$0].id } == ["a", "b", "c", "d"])
        #expect(graph.waves().map { $0.map { graph.workstreams[$0].id } } == [["a"], ["b", "c"], ["d"]])
    }

    @Test func duplicateDependencyEntriesCountOnce() throws {
        let graph = try WorkstreamGraph([ws("a"), ws("b", ["a", "a"])])
        #expect(graph.indegrees == [0, 1])
    }

    @Test func namesBothFilesOfADuplicateID() {
        let found = messages([ws("a", file: "one.md"), ws("a", file: "two.md")])
        #expect(found == ["two.md:2: duplicate ws_id a: also declared in one.md:2"])
    }

    @Test func rejectsSelfAndMissingDependencies() {
        #expect(messages([ws("a", ["a"], file: "a.md")]) == ["a.md:2: workstream a depends on itself"])
        #expect(
            messages([ws("a", ["zz"], file: "a.md")]) == [
                "a.md:2: workstream a depends on zz, which is not a workstream of this feature"
            ])
    }

    @Test func aDependencyDoneElsewhereIsSatisfied() throws {
        let graph = try WorkstreamGraph([ws("a", ["other-01"])], satisfiedExternally: ["other-01"])
        #expect(graph.indegrees == [0])
    }

    @Test func spellsOutATwoNodeCycleWithItsFiles() {
        let found = messages([ws("00-052-03", ["00-052-07"], file: "03.md"), ws("00-052-07", ["00-052-03"], file: "07.md")])
        #expect(
            found == [
                "dependency cycle: 00-052-03 → 00-052-07 → 00-052-03 (each depends on the next); files: 03.md, 07.md"
            ])
    }

    @Test func spellsOutALongCycleAndCountsWhatItBlocks() {
        let found = messages([ws("a", ["d"]), ws("b", ["a"]), ws("c", ["b"]), ws("d", ["c"]), ws("e", ["d"]), ws("f")])
        #expect(
            found == [
                "dependency cycle: a → d → c → b → a (each depends on the next); 5 workstreams in all are caught in or behind cycles"
            ])
    }

    @Test func criticalPathFollowsWeights() throws {
        let graph = try WorkstreamGraph([ws("a"), ws("b", ["a"]), ws("c", ["a"]), ws("d", ["b", "c"])])
        let weights = graph.weights(knownDurations: ["a": 1, "b": 5, "c": 1, "d": 1])
        #expect(graph.criticalPath(weights: weights).map { graph.workstreams[$0].id } == ["a", "b", "d"])
        #expect(graph.remainingCriticalPath(weights: weights) == [7, 6, 2, 1])
    }

    @Test func unknownDurationsTakeTheMeanOfKnownOnes() throws {
        let graph = try WorkstreamGraph([ws("a"), ws("b"), ws("c")])
        #expect(graph.weights(knownDurations: ["a": 2, "b": 4]) == [2, 4, 3])
        #expect(graph.weights(knownDurations: [:]) == [1, 1, 1])
    }

    @Test func buildsALargeGraphInLinearTime() throws {
        // 100k nodes in a chain-of-layers shape; Kahn with a FIFO never rescans.
        var workstreams: [Workstream] = []
        for index in 0..<100_000 {
            let dependencies = index >= 100 ? ["n\(index - 100)", "n\(index - 1 - index % 100)"] : []
            workstreams.append(ws("n\(index)", Array(Set(dependencies))))
        }
        let graph = try WorkstreamGraph(workstreams)
        #expect(graph.topologicalOrder.count == 100_000)
    }
}

@Suite struct ReadyQueueTests {
    @Test func popsByRankWhateverThePushOrder() {
        var queue = ReadyQueue(rank: [4, 2, 0, 3, 1])
        for node in [0, 1, 2, 3, 4] { queue.push(node) }
        var popped: [Int] = []
        while let node = queue.pop() { popped.append(node) }
        #expect(popped == [2, 4, 1, 3, 0])
    }

    @Test func ranksLongestRemainingPathFirstThenID() throws {
        // a → c; b alone; d alone: a has the longest remaining path, then b and d tie (by id).
        let graph = try WorkstreamGraph([ws("a"), ws("b"), ws("c", ["a"]), ws("d")])
        let ranks = graph.priorityRanks(weights: [1, 1, 1, 1])
        #expect(ranks == [0, 1, 2, 3])
    }
}
