import Foundation
import Testing

/// A run that did every workstream records its history before it removes its checkpoint, and
/// keeps the checkpoint when the history cannot be written (hostile review 7: the checkpoint
/// went first, so a kill -9 between the two — or a history that could not be written — left
/// neither, and the next run ran everything again, `idempotent: false` work included).
@Suite(.timeLimit(.minutes(3))) struct FinishOrderTests {
    @Test func aHistoryThatCannotBeWrittenKeepsTheCheckpointAndNothingRunsTwice() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "pay", run: "echo paid >> ledger", extra: "idempotent: false\n")
        // A file where the history's folder goes: the history cannot be written, as when
        // oneshot is killed before it writes it.
        try project.write(".sdp/history", "")
        let first = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(first.exitCode == 0, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stderr.contains("the checkpoint is kept"), "\(first.stderr)")
        #expect(project.read(".sdp/checkpoints/F1-checkpoint.json") != nil, "the checkpoint stays")
        try FileManager.default.removeItem(atPath: project.file(".sdp/history"))
        let second = try await OneshotBinary.run(["F1"], in: project.path)
        #expect(second.exitCode == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(project.read("ledger") == "paid\n", "the payment ran once")
        #expect(project.read(".sdp/checkpoints/F1-checkpoint.json") == nil, "removed once the history is written")
        #expect(project.read(".sdp/history/F1.json") != nil)
    }
}
