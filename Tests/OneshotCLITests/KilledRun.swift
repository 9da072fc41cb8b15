import Foundation
import OneshotCheckpoint
import Testing

extension TemporaryProject {
    /// Starts `oneshot F1`, waits until `ready` holds and the checkpoint names a process in
    /// flight, then kills it with SIGKILL. (A kill between the spawn and that record leaves an
    /// attempt UNCERTAIN: its pid is not known.)
    func runKilledOnceItsProcessIsRecorded(until ready: @escaping @Sendable () -> Bool = { true }) async throws {
        let first = try OneshotBinary.start(["F1"], in: path)
        #expect(await until(within: .seconds(20), ready))
        let paths = CheckpointPaths(folder: file(".sdp/checkpoints"), featureID: "F1")
        #expect(
            await until(".sdp/checkpoints/F1-checkpoint.json") {
                ((try? CheckpointReader.load(paths))??.checkpoint.inFlight ?? []).contains { $0.pid != nil }
            })
        kill(first.pid, SIGKILL)
        _ = try await first.finish()
    }
}
