import Foundation
import OneshotCheckpoint
import Testing

/// After a kill -9 the snapshot's time so far is only what it was when written: the journal
/// written since counts too (#14, `status` said "time so far: 0.00s" with work done).
@Suite struct JournalElapsedTests {
    @Test func theTimeSoFarRunsToTheJournalsLastLine() throws {
        let folder = try TemporaryFolder()
        let paths = CheckpointPaths(folder: folder.path, featureID: "F1")
        try folder.write(
            "F1-checkpoint.json",
            """
            {"version": "1.1", "feature_id": "F1", "timestamp": "2026-11-23T00:00:00.250Z", "completed": [], "failed": [],
             "runs": 1, "elapsed_ms": 1000, "journal_seq": 0}
            """)
        try folder.write(
            "F1-journal.jsonl",
            """
            {"at":"2026-11-23T00:00:02.000Z","seq":1,"started":{"attempt":1,"id":"a","run":1,"started_at":"2026-11-23T00:00:02Z"}}
            {"at":"2026-11-23T00:00:05.750Z","finished":[{"attempt":1,"duration_ms":3750,"final":true,"id":"a","run":1,"status":"succeeded"}],"seq":2}

            """)
        let checkpoint = try #require(try CheckpointReader.load(paths)).checkpoint
        #expect(checkpoint.completed == ["a"])
        #expect(checkpoint.elapsedMS == 6500)
        #expect(CheckpointStatus(checkpoint: checkpoint).rows.first?.attempts == 1)
    }
}
