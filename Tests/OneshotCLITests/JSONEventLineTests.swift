import Foundation
import Oneshot
import Testing

@testable import OneshotCLI

/// The per-workstream events are written by hand; each line must be exactly what
/// `JSONSerialization` with sorted keys writes for the same object, as the other events are.
@Suite struct JSONEventLineTests {
    @Test func handWrittenEventsAreCanonicalSortedJSON() throws {
        let lines = try canonicalLines(resumed: false) { output in
            output.handle(.workstreamStarted(id: "a \"quoted\" / ✓", attempt: 2))
            var failed = AttemptReport(
                id: "b", attempt: 1, status: .failed, duration: .milliseconds(1234),
                result: ExecutionResult(
                    succeeded: false, exitCode: 3, detail: "line 1\nline\t2", logPath: ".sdp/logs/F1/b.log", costUSD: 0.25))
            failed.retryIn = .milliseconds(500)
            output.handle(.workstreamFinished(failed))
            output.handle(.workstreamFinished(AttemptReport(id: "c", attempt: 1, status: .interrupted, duration: .zero)))
            output.handle(.journalCommitted)
        }
        #expect(lines.count == 4)
        #expect(lines[2].contains("\"exit_code\":null") && lines[2].contains("\"log\":null"))
    }

    /// Every other event goes through the same writer: each line is the canonical sorted JSON of
    /// its object, `null` where the schema says so, and none is dropped.
    @Test func everyEventIsCanonicalSortedJSONAndNoneIsDropped() throws {
        let lines = try canonicalLines(resumed: true) { output in
            let odd = "a \"quoted\" / ✓ \\ tab\t nl\n bell\u{07} é"
            let at = Date(timeIntervalSince1970: 1_770_000_000.25)
            output.handle(.workstreamSkipped(id: "b", blockedBy: odd))
            output.handle(
                .breakerChanged(CircuitBreaker.Transition(from: .closed, to: .open, reason: odd, nextProbeAt: at, gaveUp: false)))
            output.handle(
                .breakerChanged(CircuitBreaker.Transition(from: .open, to: .closed, reason: "ok", nextProbeAt: nil, gaveUp: true))
            )
            output.handle(.breakerWaiting(until: at))
            output.handle(.journalFailed(message: odd, stopsRun: true))
            output.handle(.journalUnwritable(message: odd, unrecorded: ["a", odd], since: at, retryIn: .milliseconds(250)))
            output.handle(.infrastructureFailed(id: "c", attempt: 2, message: odd, retryIn: nil))
            output.handle(.infrastructureFailed(id: "c", attempt: 3, message: odd, retryIn: .seconds(2)))
            output.note(odd)
            output.warning(odd)
            output.resume(.fresh(try WorkstreamGraph([Workstream(id: "a")])), previous: nil, graph: try WorkstreamGraph([]))
            output.finish(nil, exitCode: .interrupted)
        }
        #expect(lines.count == 12)
        #expect(lines[6].contains("\"retry_in_ms\":null") && lines[7].contains("\"retry_in_ms\":2000"))
        #expect(lines[1].contains("\"next_probe_at\":\"") && !lines[2].contains("next_probe_at"))
    }

    /// The lines `emit` has a JSON event output write, each checked to be the canonical sorted
    /// JSON of its object.
    private func canonicalLines(resumed: Bool, _ emit: (JSONEventOutput) throws -> Void) throws -> [String] {
        let path = NSTemporaryDirectory() + "oneshot-events-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0)
        var console = Console()
        console.outputFD = fd
        try emit(JSONEventOutput(console: console, featureID: "F1", checkpointPath: "c/p.json", resumed: resumed))
        close(fd)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
            let canonical = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            #expect(line == String(decoding: canonical, as: UTF8.self))
        }
        return lines
    }
}
