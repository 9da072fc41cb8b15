import Foundation
import OneshotCheckpoint
import OneshotDispatch
import OneshotGraph
import OneshotWorkstreams
import Testing

/// What a `verify:` command's outcome does to an uncertain workstream's place in the plan, and
/// to the checkpoint.
@Suite(.timeLimit(.minutes(3))) struct VerificationPlanTests {
    private func verifiable(_ id: String, _ dependencies: [String] = [], idempotent: Bool) -> Workstream {
        Workstream(id: id, dependencies: dependencies, verify: "test -f \(id).done", isIdempotent: idempotent)
    }

    private func uncertainCheckpoint(_ ids: [String]) -> Checkpoint {
        var checkpoint = Checkpoint(featureID: "F1", timestamp: "2026-11-23T00:00:00Z")
        checkpoint.runs = 1
        checkpoint.inFlight = ids.map { InFlightRecord(id: $0, attempt: 1, startedAt: "2026-11-23T00:00:00Z", run: 1) }
        return checkpoint
    }

    private func graph() throws -> WorkstreamGraph {
        try WorkstreamGraph([
            verifiable("pay", idempotent: false), verifiable("refund", idempotent: false), verifiable("build", idempotent: true),
            ws("plain", idempotent: false), ws("mail", ["pay"]),
        ])
    }

    @Test func aPassedVerifyPreservesAndAFailedOneRerunsOrHolds() throws {
        let graph = try graph()
        let plan = ResumePlan.make(
            graph: graph, checkpoint: uncertainCheckpoint(["build", "pay", "plain", "refund"]), rerunUncertain: false,
            outputExists: { _ in true })
        #expect(plan.verifiable.map(\.record.id) == ["build", "pay", "refund"])
        #expect(plan.held == ["pay", "plain", "refund"])
        let settled = plan.verifying(["pay": .passed, "refund": .failed("exit 1"), "build": .failed("exit 2")])
        #expect(settled.completed == ["pay"])
        #expect(settled.preserved.map(\.id) == ["pay"])
        #expect(settled.verified.map(\.record.id) == ["pay"])
        #expect(settled.verified.first?.command == "test -f pay.done")
        #expect(settled.held == ["plain", "refund"], "a failed verify holds what is not idempotent")
        let build = try #require(settled.uncertain.first { $0.record.id == "build" })
        #expect(build.willRerun && build.verifyFailure == "exit 2")
        #expect(settled.uncertain.first { $0.record.id == "plain" }?.verifyFailure == nil)
        #expect(settled.pending == ["mail"], "its dependent is free to start once pay is completed")
    }

    @Test func aVerifiedAttemptIsRecordedCompletedAndNoLongerInFlight() async throws {
        let folder = try TemporaryFolder()
        let graph = try graph()
        let paths = CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")
        try FileManager.default.createDirectory(atPath: paths.folder, withIntermediateDirectories: true)
        try Data(CheckpointCodec.encode(uncertainCheckpoint(["pay", "refund"]))).write(to: URL(fileURLWithPath: paths.checkpoint))
        let session = try CheckpointSession.open(graph: graph, paths: paths)
        let result = await session.settleVerifications(["pay": .passed, "refund": .failed("exit 1")])
        #expect(result == .durable)
        #expect(session.plan.completed == ["pay"])
        #expect(session.plan.held == ["refund"])
        // On disk before anything runs: a kill now loses nothing.
        let saved = try #require(try CheckpointReader.load(paths)).checkpoint
        #expect(saved.completed == ["pay"])
        #expect((saved.inFlight ?? []).map(\.id) == ["refund"])
        #expect(saved.workstreams?["pay"]?.lastStatus == "succeeded")
        #expect(saved.workstreams?["pay"]?.lastSuccessMS == nil, "its time was not measured: no known duration of 0")
        session.lock.release()
    }
}
