import Foundation
import OneshotCheckpoint
import Testing

/// Kill it, interrupt it, run two at once, hand it the seed's checkpoint: through the binary.
@Suite(.timeLimit(.minutes(3))) struct ResumeEndToEndTests {
    private func checkpoint(_ project: TemporaryProject) throws -> Checkpoint? {
        // The snapshot with the journal replayed: what a resume would see.
        try CheckpointReader.load(CheckpointPaths(folder: project.file(".sdp/checkpoints"), featureID: "F1"))?.checkpoint
    }

    @Test func aSecondRunIsRefusedWhileOneRunsAndChangesNothing() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "slow", run: "touch started; read _ < release || :")
        try project.gate("release")
        let first = try OneshotBinary.start(["F1"], in: project.path)
        #expect(await project.until { project.read("started") != nil })
        let before = project.read(".sdp/checkpoints/F1-checkpoint.json")
        let second = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(second.exitCode == 3)
        #expect(
            second.stderr
                == "oneshot: error: another oneshot run (pid \(first.pid)) holds .sdp/checkpoints/F1.lock; wait for it to finish or stop it\n"
        )
        #expect(project.read(".sdp/checkpoints/F1-checkpoint.json") == before)
        let status = try await OneshotBinary.run(["status", "F1", "--json"], in: project.path)
        #expect(status.exitCode == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
        #expect(object["running"] as? Bool == true)
        #expect((object["counts"] as? [String: Int])?["running"] == 1)
        try project.openGate("release")
        let result = try await first.finish()
        #expect(result.exitCode == 0)
    }

    @Test func anInterruptedRunLeavesACheckpointThatResumes() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "first", run: "touch ran-first")
        try project.workstream(
            "F1", "long", depends: ["first"], run: "if [ -f fast ]; then exit 0; fi; sleep 300 & echo $! > bg.pid; wait")
        try project.workstream("F1", "after", depends: ["long"], run: "touch ran-after")
        let running = try OneshotBinary.start(["F1"], in: project.path)
        #expect(await project.until { project.read("bg.pid")?.hasSuffix("\n") == true })
        kill(running.pid, SIGINT)
        let interrupted = try await running.finish()
        #expect(interrupted.exitCode == 130)
        #expect(interrupted.stdout.contains("checkpoint saved: .sdp/checkpoints/F1-checkpoint.json"))
        let saved = try #require(try checkpoint(project))
        #expect(saved.completed == ["first"])
        #expect(saved.interrupted == ["long"])
        #expect(saved.inFlight == [])
        let status = try await OneshotBinary.run(["status", "F1"], in: project.path)
        #expect(status.stdout.contains("long        interrupted"))
        try FileManager.default.removeItem(atPath: project.file("ran-first"))
        try project.write("fast", "")
        let resumed = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(resumed.exitCode == 0)
        #expect(resumed.stdout.contains("LOST        1: long (interrupted); must be recomputed"), "\(resumed.stdout)")
        #expect(project.read("ran-first") == nil, "completed work ran again")
        #expect(project.read("ran-after") != nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: project.file(".sdp/checkpoints")) == ["F1.lock"])
    }

    @Test func theSeedsCheckpointPlacedByHandResumes() async throws {
        let project = try TemporaryProject()
        for (id, depends) in [
            ("00-052-01", []), ("00-052-02", []), ("00-052-03", []), ("00-052-04", ["00-052-01"]), ("00-052-05", ["00-052-01"]),
        ] {
            try project.workstream("F052", id, depends: depends, run: "echo $ONESHOT_WS_ID >> ledger")
        }
        try project.write(
            ".sdp/checkpoints/F052-checkpoint.json",
            """
            {"version": "1.0", "feature_id": "F052", "timestamp": "2026-02-07T12:34:56Z",
             "completed": ["00-052-01", "00-052-02"], "failed": ["00-052-03"],
             "graph": {"nodes": [{"id": "00-052-04", "depends_on": ["00-052-01"], "indegree": 0, "completed": false}],
                       "edges": {"00-052-01": ["00-052-04", "00-052-05"]}},
             "circuit_breaker": {"state": 0, "failure_count": 1, "success_count": 0, "consecutive_opens": 0,
                                 "last_failure_time": "2026-02-07T12:34:00Z"}}
            """)
        let result = try await OneshotBinary.run(["F052"], in: project.path)
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("PRESERVED   2: 00-052-01, 00-052-02"))
        #expect(result.stdout.contains("LOST        1: 00-052-03 (failed); must be recomputed"))
        #expect(result.stdout.contains("Resuming: 2/5 done"))
        #expect(Set((project.read("ledger") ?? "").split(separator: "\n")) == ["00-052-03", "00-052-04", "00-052-05"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: project.file(".sdp/checkpoints")) == ["F052.lock"])
    }

    @Test func aCorruptCheckpointIsMovedAsideWithAWarning() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true")
        try project.write(".sdp/checkpoints/F1-checkpoint.json", "{\"version\": \"1.0\", \"feature_id\": ")
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 0)
        #expect(
            result.stderr.contains(
                "oneshot: warning: checkpoint .sdp/checkpoints/F1-checkpoint.json: not valid JSON (truncated or corrupt); moved it to .sdp/checkpoints/F1-checkpoint.json.corrupt"
            ))
        #expect(project.read(".sdp/checkpoints/F1-checkpoint.json.corrupt") == "{\"version\": \"1.0\", \"feature_id\": ")
    }

    @Test func nonIdempotentUncertainWorkWaitsForTheUsersWord() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "pay", run: "echo paid >> ledger", extra: "idempotent: false\n")
        try project.workstream("F1", "mail", depends: ["pay"], run: "echo mailed >> ledger")
        try project.write(
            ".sdp/checkpoints/F1-checkpoint.json",
            """
            {"version": "1.1", "feature_id": "F1", "timestamp": "2026-11-23T00:00:00Z", "completed": [], "failed": [],
             "in_flight": [{"id": "pay", "attempt": 1, "started_at": "2026-11-23T00:00:00Z", "run": 1}], "runs": 1}
            """)
        let held = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(held.exitCode == 8, "held for a decision, not failed")
        #expect(held.stdout.contains("UNCERTAIN   pay: attempt 1 started 2026-11-23T00:00:00Z"))
        #expect(
            held.stdout.contains(
                "HELD        pay: idempotent: false, attempt 1 (started 2026-11-23T00:00:00Z) was running when an earlier run died and may have done its work; it has no verify: command to tell: check its log .sdp/logs/F1/pay.log, then release it: `oneshot F1 --rerun-uncertain` runs it again, or 'status: completed' in features/F1/pay.md keeps it as done"
            ), "\(held.stdout)")
        #expect(project.read("ledger") == nil)
        let again = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(again.exitCode == 8, "still held: the decision is the user's")
        let rerun = try await OneshotBinary.run(["F1", "--rerun-uncertain"], in: project.path)
        #expect(rerun.exitCode == 0)
        #expect(project.read("ledger") == "paid\nmailed\n")
    }

    @Test func anSdpThatIsAFileIsAClearErrorWithExit6() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "touch ran-a")
        try project.write(".sdp", "not a folder")
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 6)
        #expect(result.stderr.hasPrefix("oneshot: error: checkpoint folder unusable: mkdir .sdp: Not a directory"))
        #expect(project.read("ran-a") == nil)
    }

    @Test func aMissingDeclaredOutputFailsTheWorkstream() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "build", run: "true", extra: "outputs: [out/app.bin]\n")
        let result = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(result.exitCode == 1)
        #expect(result.stdout.contains("│ declared output out/app.bin is missing after a successful exit"))
    }

    @Test func statusWithoutACheckpointAndCostsAcrossRuns() async throws {
        let project = try TemporaryProject()
        // As `oneshot F1` says: no folder is no feature (2), not a feature that never ran (5).
        let noFeature = try await OneshotBinary.run(["status", "F1"], in: project.path)
        #expect(noFeature.exitCode == 2)
        #expect(noFeature.stderr == "oneshot: error: no such feature F1: folder features/F1 does not exist\n")
        #expect(try await OneshotBinary.run(["F1"], in: project.path).stderr == noFeature.stderr)
        try project.workstream("F1", "a", run: "echo '{\"cost_usd\": 0.5}' > \"$ONESHOT_REPORT\"")
        let none = try await OneshotBinary.run(["status", "F1"], in: project.path)
        #expect(none.exitCode == 5)
        #expect(none.stderr == "oneshot: error: no checkpoint for F1 (.sdp/checkpoints/F1-checkpoint.json): nothing to resume\n")
        try project.workstream("F1", "b", run: "echo '{\"cost_usd\": 0.25}' > \"$ONESHOT_REPORT\"; exit 1")
        for expected in [0.75, 1.0] {
            let run = try await OneshotBinary.run(["F1"], in: project.path)
            #expect(run.exitCode == 1)
            let status = try await OneshotBinary.run(["status", "F1", "--json"], in: project.path)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
            #expect(object["cost_usd"] as? Double == expected)
            #expect((object["counts"] as? [String: Int])?["failed"] == 1)
        }
    }
}
