import OneshotCheckpoint
import Testing

/// `status` without a run in progress says what became of each uncertain attempt (the hostile
/// review of #11: a still-running orphan was shown only as "uncertain").
@Suite struct CheckpointStatusOrphanTests {
    private func status() throws -> CheckpointStatus {
        let folder = try TemporaryFolder()
        try folder.write(
            "F1-checkpoint.json",
            """
            {"version": "1.1", "feature_id": "F1", "timestamp": "2026-11-23T00:00:00.250Z", "completed": [], "failed": [],
             "in_flight": [{"id": "a", "attempt": 1, "started_at": "2026-11-23T00:00:00Z", "pid": 40},
                           {"id": "b", "attempt": 2, "started_at": "2026-11-23T00:00:00Z", "pid": 41},
                           {"id": "c", "attempt": 1, "started_at": "2026-11-23T00:00:00Z", "pid": 42},
                           {"id": "d", "attempt": 1, "started_at": "2026-11-23T00:00:00Z"}],
             "runs": 1, "journal_seq": 0}
            """)
        let paths = CheckpointPaths(folder: folder.path, featureID: "F1")
        return CheckpointStatus(checkpoint: try #require(try CheckpointReader.load(paths)).checkpoint)
    }

    @Test func eachUncertainAttemptSaysWhatTheProbeFound() throws {
        let probed = try status().probingOrphans { record in
            switch record.id {
            case "a": .running(pid: 40)
            case "b": .finished(exitCode: 3, durationMS: nil)
            case "c": .elsewhere("on build-7")
            default: .unknown
            }
        }
        #expect(probed.rows.map(\.state) == ["uncertain", "uncertain", "uncertain", "uncertain"])
        #expect(
            probed.rows.map(\.orphan) == [
                "running as pid 40, adopted by the next run", "exited 3, recorded by the next run", "ran on build-7", nil,
            ])
    }

    @Test func aRunInProgressIsNotProbed() throws {
        let running = CheckpointStatus(checkpoint: try status().checkpoint, runInProgress: true)
        let probed = running.probingOrphans { _ in .running(pid: 1) }
        #expect(probed.rows.allSatisfy { $0.state == "running" && $0.orphan == nil })
    }
}
