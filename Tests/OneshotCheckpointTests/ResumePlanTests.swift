import OneshotCheckpoint
import OneshotGraph
import Testing

@Suite struct ResumePlanTests {
    private func checkpoint(completed: [String], failed: [String] = [], nodes: [String: [String]] = [:]) -> Checkpoint {
        var checkpoint = Checkpoint(featureID: "F1", timestamp: "2026-11-23T00:00:00Z")
        checkpoint.completed = completed
        checkpoint.failed = failed
        if !nodes.isEmpty {
            checkpoint.graph = GraphSnapshot(
                nodes: nodes.map { NodeSnapshot(id: $0.key, dependsOn: $0.value, indegree: 0, completed: false) }, edges: [:]
            )
        }
        return checkpoint
    }

    @Test func keepsCompletedRetriesFailedAndListsPending() throws {
        let graph = try WorkstreamGraph([ws("a"), ws("b", ["a"]), ws("c", ["b"]), ws("d")])
        let plan = ResumePlan.make(
            graph: graph, checkpoint: checkpoint(completed: ["a"], failed: ["b"]), rerunUncertain: false,
            outputExists: { _ in true }
        )
        #expect(plan.completed == ["a"])
        #expect(plan.toRetry == ["b"])
        #expect(plan.pending == ["c", "d"])
        #expect(plan.changes.isEmpty)
    }

    @Test func changedDependenciesAndVanishedOutputsRunAgainWithTheirDependents() throws {
        let graph = try WorkstreamGraph([
            ws("a"), ws("b", ["a"]), ws("c", ["b"]), ws("x", outputs: ["build/x.o"]), ws("y", ["x"]), ws("z"),
        ])
        let plan = ResumePlan.make(
            graph: graph,
            checkpoint: checkpoint(completed: ["a", "b", "c", "x", "y", "z", "gone"], nodes: ["b": [], "a": []]),
            rerunUncertain: false, outputExists: { $0 != "build/x.o" }
        )
        #expect(plan.completed == ["a", "z"])
        #expect(
            plan.changes == [
                "b changed its dependencies since it completed: it runs again",
                "c depends on work that runs again: it runs again",
                "gone was completed but is no longer in the feature",
                "x completed but its output build/x.o is missing: it runs again",
                "y depends on work that runs again: it runs again",
            ])
    }

    @Test func inFlightWorkIsUncertainAndNonIdempotentWorkIsHeld() throws {
        let graph = try WorkstreamGraph([ws("a"), ws("b", idempotent: false), ws("c"), ws("d")])
        var saved = checkpoint(completed: ["d"])
        saved.inFlight = [
            InFlightRecord(id: "a", attempt: 1, startedAt: "2026-11-23T00:00:00Z", run: 1),
            InFlightRecord(id: "b", attempt: 1, startedAt: "2026-11-23T00:00:01Z", pid: 77, processStart: 9, run: 1),
            InFlightRecord(id: "c", attempt: 1, startedAt: "2026-11-23T00:00:02Z", run: 1),  // finished afterwards
            InFlightRecord(id: "d", attempt: 1, startedAt: "2026-11-23T00:00:03Z", run: 1),  // completed
        ]
        var finished = WorkstreamRecord()
        finished.lastRun = 1
        finished.lastAttempt = 1
        saved.workstreams = ["c": finished]
        let plan = ResumePlan.make(graph: graph, checkpoint: saved, rerunUncertain: false, outputExists: { _ in true })
        #expect(plan.uncertain.map(\.record.id) == ["a", "b"])
        #expect(plan.uncertain.map(\.willRerun) == [true, false])
        #expect(plan.uncertain[1].record.pid == 77)
        #expect(plan.held == ["b"])
        #expect(plan.pending == ["c"])
        let rerun = ResumePlan.make(graph: graph, checkpoint: saved, rerunUncertain: true, outputExists: { _ in true })
        #expect(rerun.held.isEmpty)
    }

    @Test func whatBecameOfInFlightAttemptsDecidesTheirPlace() throws {
        let graph = try WorkstreamGraph([
            ws("ok"), ws("broke"), ws("live", idempotent: false), ws("away", idempotent: false), ws("lost"), ws("after", ["ok"]),
        ])
        var saved = checkpoint(completed: [])
        saved.inFlight = ["ok", "broke", "live", "away", "lost"].map {
            InFlightRecord(id: $0, attempt: 2, startedAt: "2026-11-23T00:00:00Z", pid: 500, processStart: 9, run: 1)
        }
        let findings: [String: OrphanFinding] = [
            "ok": .finished(exitCode: 0, durationMS: 1200), "broke": .finished(exitCode: 3, durationMS: nil),
            "live": .running(pid: 500), "away": .elsewhere("on ci-runner-7"), "lost": .unknown,
        ]
        let plan = ResumePlan.make(
            graph: graph, checkpoint: saved, rerunUncertain: false, outputExists: { _ in true },
            probe: { findings[$0.id] ?? .unknown })
        #expect(plan.completed == ["ok"])
        #expect(plan.preserved.map(\.id) == ["ok"])
        #expect(plan.preserved.map(\.durationMS) == [1200])
        #expect(plan.finishedMeanwhile.map(\.record.id) == ["broke", "ok"])
        #expect(plan.finishedMeanwhile.map(\.exitCode) == [3, 0])
        #expect(plan.toRetry == ["broke"])
        #expect(plan.adopted.map(\.id) == ["live"])
        #expect(plan.uncertain.map(\.record.id) == ["away", "lost"])
        #expect(plan.uncertain.map(\.elsewhere) == ["on ci-runner-7", nil])
        #expect(plan.held == ["away"], "work that ran elsewhere is uncertain: held when not idempotent")
        #expect(plan.pending == ["after"])
    }
}
