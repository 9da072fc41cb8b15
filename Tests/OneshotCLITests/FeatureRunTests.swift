import Foundation
import Oneshot
import Synchronization
import Testing

/// The library's one-call durable run, through its public API with closure executors: what a
/// harness gets without copying the CLI.
@Suite(.timeLimit(.minutes(3))) struct FeatureRunTests {
    /// The ids a closure executor was called with, in order, and a stream of them as they start.
    final class Calls: Sendable {
        private let ids = Mutex<[String]>([])
        let started: AsyncStream<String>
        private let continuation: AsyncStream<String>.Continuation

        init() {
            (started, continuation) = AsyncStream<String>.makeStream()
        }

        func record(_ id: String) {
            ids.withLock { $0.append(id) }
            continuation.yield(id)
        }

        var all: [String] { ids.withLock { $0 } }

        /// Returns once `id` has started.
        func waitFor(_ id: String) async {
            for await started in started where started == id { return }
        }
    }

    /// `a` ← `b` ← `c` (each depends on the one before), commands left to the closure.
    private func project() throws -> TemporaryProject {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: nil)
        try project.workstream("F1", "b", depends: ["a"], run: nil)
        try project.workstream("F1", "c", depends: ["b"], run: nil)
        return project
    }

    private func checkpointExists(_ project: TemporaryProject) -> Bool {
        FileManager.default.fileExists(atPath: project.file(".sdp/checkpoints/F1-checkpoint.json"))
    }

    @Test func aClosureRunCompletesRemovesTheCheckpointAndRecordsTheHistory() async throws {
        let project = try project()
        let calls = Calls()
        let run = try FeatureRun(root: URL(fileURLWithPath: project.path), featureID: "F1")
        let outcome = try await run.run(executor: { workstream, _ in
            calls.record(workstream.id)
            return .success
        })
        #expect(outcome.ending == .ran)
        #expect(outcome.succeeded && outcome.featureDone)
        #expect(calls.all == ["a", "b", "c"])
        #expect(!checkpointExists(project))
        let history = try #require(RunHistory.load(run.historyPath, featureID: "F1").history)
        #expect(Set(history.workstreams.keys) == ["a", "b", "c"])
        // The history makes the next run a no-op.
        let again = try await FeatureRun(root: project.path, featureID: "F1").run(executor: { workstream, _ in
            calls.record(workstream.id)
            return .success
        })
        #expect(again.ending == .upToDate)
        #expect(calls.all == ["a", "b", "c"])
    }

    @Test func aCancelledRunSavesTheCheckpointAndTheNextResumesWithoutRunningDoneWork() async throws {
        let project = try project()
        let first = Calls()
        let run = try FeatureRun(root: project.path, featureID: "F1")
        let task = Task {
            try await run.run(executor: { workstream, _ in
                first.record(workstream.id)
                if workstream.id == "b" { try await Task.sleep(for: .seconds(3600)) }  // until cancelled
                return .success
            })
        }
        await first.waitFor("b")
        task.cancel()
        let interrupted = try await task.value
        #expect(interrupted.report?.status == .interrupted)
        #expect(!interrupted.featureDone)
        #expect(interrupted.checkpoint.completed == ["a"])
        #expect(checkpointExists(project), "the interrupt saves the checkpoint")

        let second = Calls()
        let events = Mutex<[String]>([])
        let resumed = try await FeatureRun(root: project.path, featureID: "F1").run(
            executor: { workstream, _ in
                second.record(workstream.id)
                return .success
            },
            onEvent: { event in
                if case .resuming(let plan) = event { events.withLock { $0.append("resuming \(plan.completed.sorted())") } }
            })
        #expect(resumed.succeeded)
        #expect(second.all == ["b", "c"], "a was completed: not run again")
        #expect(events.withLock { $0 } == ["resuming [\"a\"]"])
        #expect(!checkpointExists(project))
    }

    @Test func aFailedWorkstreamIsRetriedOnResume() async throws {
        let project = try project()
        let run = try FeatureRun(root: project.path, featureID: "F1")
        let failed = try await run.run(executor: { workstream, _ in
            workstream.id == "b" ? .failure(exitCode: 1, detail: "the agent gave up") : .success
        })
        #expect(failed.report?.status == .failed)
        #expect(failed.report?.results.first { $0.id == "c" }?.state == .skipped)
        #expect(checkpointExists(project))

        let calls = Calls()
        let resumed = try await run.run(executor: { workstream, attempt in
            calls.record("\(workstream.id)#\(attempt)")
            return .success
        })
        #expect(resumed.succeeded)
        #expect(calls.all == ["b#2", "c#1"], "b runs again, as its second attempt across runs; a does not")
        #expect(!checkpointExists(project))
    }

    @Test func theLockRefusesASecondConcurrentRunWithATypedError() async throws {
        let project = try project()
        let calls = Calls()
        let (release, releasing) = AsyncStream<Void>.makeStream()
        let first = Task {
            try await FeatureRun(root: project.path, featureID: "F1").run(executor: { workstream, _ in
                calls.record(workstream.id)
                if workstream.id == "a" { for await _ in release {} }  // held until the second run was refused
                return .success
            })
        }
        await calls.waitFor("a")
        await #expect {
            _ = try await FeatureRun(root: project.path, featureID: "F1").run(executor: { _, _ in .success })
        } throws: { error in
            guard case FeatureRun.Failure.locked(let failure) = error else { return false }
            return failure.description.contains("F1.lock")
        }
        releasing.finish()
        let outcome = try await first.value
        #expect(outcome.succeeded)
        #expect(calls.all == ["a", "b", "c"], "the refused run ran nothing")
    }

    @Test func aBadFeatureIsATypedErrorNamingTheFile() throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true", extra: "retries: many\n")
        #expect {
            _ = try FeatureRun(root: project.path, featureID: "F1")
        } throws: { error in
            guard case FeatureRun.Failure.invalidFeature(let errors) = error else { return false }
            return errors.errors.first?.description.hasPrefix("features/F1/a.md:") == true
        }
        #expect(throws: FeatureRun.Failure.self) { _ = try FeatureRun(root: project.path, featureID: "F2") }
        #expect(!FileManager.default.fileExists(atPath: project.file(".sdp")), "nothing written")
    }

    @Test func aWorkstreamWithoutACommandIsRefusedBeforeTheLock() async throws {
        let project = try project()
        let executor = CommandExecutor(featureID: "F1", logFolder: project.file(".sdp/logs/F1"))
        await #expect {
            _ = try await FeatureRun(root: project.path, featureID: "F1").run(executor: executor)
        } throws: { error in
            guard case FeatureRun.Failure.missingCommand(let workstreams) = error else { return false }
            return workstreams.map(\.id) == ["a", "b", "c"]
        }
        #expect(!checkpointExists(project))
    }

    @Test func aSelectionRunsOnlyItsWorkstreamsAndKeepsTheCheckpointForTheRest() async throws {
        let project = try project()
        let calls = Calls()
        var run = try FeatureRun(root: project.path, featureID: "F1")
        run.selection = FeatureRun.Selection(scope: ["a"])
        let outcome = try await run.run(executor: { workstream, _ in
            calls.record(workstream.id)
            return .success
        })
        #expect(outcome.succeeded && !outcome.featureDone, "the selection is done, the feature is not")
        #expect(calls.all == ["a"])
        #expect(checkpointExists(project), "kept: the next run runs the rest")
        run.selection = FeatureRun.Selection(scope: ["zz"])
        await #expect(throws: FeatureRun.Failure.self) { _ = try await run.run(executor: { _, _ in .success }) }
    }

    @Test func anEmptySelectionStartsNothingAndAnUnknownIdStaysOnOneLine() async throws {
        let project = try project()
        let calls = Calls()
        var run = try FeatureRun(root: project.path, featureID: "F1")
        run.selection = FeatureRun.Selection(scope: [])
        let outcome = try await run.run(executor: { workstream, _ in
            calls.record(workstream.id)
            return .success
        })
        #expect(outcome.succeeded && !outcome.featureDone)
        #expect(calls.all.isEmpty)
        #expect(checkpointExists(project), "kept, as after any selection: the next run does the rest")
        run.selection = FeatureRun.Selection(scope: ["a\nb"])
        await #expect {
            _ = try await run.run(executor: { _, _ in .success })
        } throws: { error in
            (error as? FeatureRun.Failure)?.description == "the feature has no workstream 'a\\nb'"
        }
    }

    @Test func aCommandExecutorRunRecordsItsProcessesAndLogs() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "echo built a")
        try project.workstream("F1", "b", depends: ["a"], run: "echo built b")
        let executor = CommandExecutor(featureID: "F1", logFolder: project.file(".sdp/logs/F1"))
        let events = Mutex<[String]>([])
        let outcome = try await FeatureRun(root: project.path, featureID: "F1").run(executor: executor) { event in
            if case .dispatch(.workstreamFinished(let attempt)) = event { events.withLock { $0.append(attempt.id) } }
        }
        #expect(outcome.succeeded && outcome.featureDone)
        #expect(events.withLock { $0 } == ["a", "b"])
        #expect(project.read(".sdp/logs/F1/b.log")?.contains("built b") == true)
        #expect(!checkpointExists(project))
    }
}
