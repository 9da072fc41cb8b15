import Foundation
import Oneshot
import Testing

/// Kill it again and again, interrupt it, run it twice at once, read it while it writes:
/// nothing lost, nothing run twice that was recorded done, no orphan left.
///
/// `ONESHOT_CRASH_KILLS` sets the kills per crash loop (CI: 10; the long run: 200).
/// `ONESHOT_CRASH_SDP_ROOT` puts each crash round's `.sdp` in a new folder there (the long run's
/// tiny tmpfs), left in place so that the file system fills up as the rounds go on.
@Suite(.timeLimit(.minutes(10))) struct ReliabilityTests {
    static let kills = ProcessInfo.processInfo.environment["ONESHOT_CRASH_KILLS"].flatMap(Int.init) ?? 10
    static let sdpRoot = ProcessInfo.processInfo.environment["ONESHOT_CRASH_SDP_ROOT"]
    /// With `.sdp` on a full file system every attempt fails (no log can be written): a shared
    /// outage that trips the breaker. Short open periods keep such a run to seconds; the loop is
    /// about stops, not the breaker's minutes of waiting.
    static let crashArguments =
        ["F1", "-j", "3", "--grace", "1s"]
        + (sdpRoot == nil ? [] : ["--breaker-timeout", "200ms", "--breaker-max-backoff", "1s"])

    /// A layered DAG of `layers × width` workstreams, each sleeping a seeded random 50–300 ms and
    /// appending `start|end <id> <pgid>` to a ledger.
    ///
    /// The stops come from inside: while a `countdown` file exists, each workstream that starts
    /// counts it down, and the one that reaches zero sends `signal` to oneshot (its parent). So
    /// the moment of each stop depends on the seeded countdown, not on how busy the test is.
    private func ledgerFeature(
        _ project: TemporaryProject, layers: Int = 5, width: Int = 8, seed: UInt64 = 40, signal: Int32 = SIGKILL
    ) throws -> [String] {
        var random = SeededRandom(seed: seed)
        var ids: [String] = []
        for layer in 0..<layers {
            for index in 0..<width {
                let id = "w\(layer)-\(index)"
                var depends: Set<String> = []
                if layer > 0 {
                    for _ in 0..<(1 + Int(random.next() % 3)) {
                        depends.insert("w\(layer - 1)-\(Int(random.next() % UInt64(width)))")
                    }
                }
                let milliseconds = 50 + Int(random.next() % 250)
                try project.workstream(
                    "F1", id, depends: depends.sorted(),
                    run: "read -r _ _ _ _ g _ < /proc/$$/stat; echo \"start $ONESHOT_WS_ID $g\" >> ledger; "
                        + "if n=$(cat countdown 2>/dev/null); then if [ \"$n\" -le 0 ]; then rm -f countdown; kill -\(signal) $PPID; "
                        + "else echo $((n - 1)) > countdown; fi; fi; "
                        + "sleep 0.\(String(format: "%03d", milliseconds)); echo \"end $ONESHOT_WS_ID $g\" >> ledger"
                )
                ids.append(id)
            }
        }
        return ids
    }

    private func ledger(_ project: TemporaryProject) -> [[Substring]] {
        (project.read("ledger") ?? "").split(separator: "\n").map { $0.split(separator: " ") }
    }

    private func checkpoint(_ project: TemporaryProject) throws -> Checkpoint? {
        // The snapshot with the journal replayed: what a resume would see.
        try CheckpointReader.load(CheckpointPaths(folder: project.file(".sdp/checkpoints"), featureID: "F1"))?.checkpoint
    }

    /// Process groups that still have a member.
    private func liveGroups(_ groups: Set<String>) -> Set<String> {
        var live: Set<String> = []
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] where Int32(entry) != nil {
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if fields.count > 2, fields[0] != "Z", groups.contains(String(fields[2])) { live.insert(String(fields[2])) }
        }
        return live
    }

    @Test(arguments: [SIGKILL, SIGINT, SIGTERM])
    func crashLoopLosesNothing(signal: Int32) async throws {
        var random = SeededRandom(seed: UInt64(signal) &* 7919)
        var stops = 0
        var rounds = 0
        var reruns = 0
        var lost = 0
        var unfinished = 0
        // Rounds of a whole feature each, until the feature has been stopped `kills` times.
        while stops < Self.kills {
            let round = try await crashRound(signal: signal, stopsAllowed: Self.kills - stops, random: &random)
            stops += round.stops
            reruns += round.reruns
            lost += round.lost
            unfinished += round.unfinished
            rounds += 1
            if round.stops == 0 { break }
        }
        #expect(stops >= Self.kills)
        print(
            "crash loop \(signal): \(stops) stops survived in \(rounds) round(s), \(reruns) in-flight workstreams re-run, "
                + "work lost: \(lost), never finished: \(unfinished)"
        )
    }

    /// One feature of 40 workstreams, stopped with `signal` up to `stopsAllowed` times, then run
    /// to completion. Returns the stops made, how many workstreams ran more than once, how many
    /// were lost (run again after a stop found them completed), and how many never finished.
    private func crashRound(
        signal: Int32, stopsAllowed: Int, random: inout SeededRandom
    ) async throws -> (stops: Int, reruns: Int, lost: Int, unfinished: Int) {
        let project = try TemporaryProject()
        if let root = Self.sdpRoot { try placeSDP(of: project, in: root) }
        let ids = try ledgerFeature(project, seed: random.next(), signal: signal)
        var completedAtStop: [String: Int] = [:]  // id → its starts in the ledger when first seen completed
        var rerunnable: Set<String> = []  // in flight (SIGKILL) or interrupted (SIGINT/SIGTERM) at some stop
        var stops = 0
        while true {
            if stops < stopsAllowed {
                try project.write("countdown", "\(random.next() % 5)\n")
            } else {
                try? FileManager.default.removeItem(atPath: project.file("countdown"))
            }
            let result = try await OneshotBinary.run(Self.crashArguments, in: project.path)
            if result.exited && result.exitCode == 0 { break }  // done (the countdown outlasted the work)
            stops += 1
            if signal == SIGKILL {
                #expect(!result.exited && result.exitCode == SIGKILL, "\(result.stderr)")
            } else {
                #expect(result.exitCode == (signal == SIGINT ? 130 : 143), "\(result.stderr)")
                let groups = Set(ledger(project).compactMap { $0.count == 3 ? String($0[2]) : nil })
                #expect(liveGroups(groups).isEmpty, "a child outlived oneshot after \(signal)")
            }
            #expect(stops <= stopsAllowed + 3, "stopped more often than asked")
            if stops > stopsAllowed + 3 { break }
            // Every state on disk after a stop loads and validates.
            guard let saved = try checkpoint(project) else { continue }
            let starts = ledger(project).filter { $0.first == "start" }
            for id in saved.completed where completedAtStop[id] == nil {
                completedAtStop[id] = starts.filter { $0.count > 1 && $0[1] == id }.count
            }
            rerunnable.formUnion(Set((saved.inFlight ?? []).map(\.id)).subtracting(saved.completed))
            rerunnable.formUnion(saved.interrupted ?? [])
        }
        // Orphans of SIGKILL may still be finishing: wait for their last ledger lines.
        _ = try await eventually {
            liveGroups(Set(ledger(project).compactMap { $0.count == 3 ? String($0[2]) : nil })).isEmpty
        }
        let lines = ledger(project)
        var reruns = 0
        var lost = 0
        var unfinished = 0
        for id in ids {
            let starts = lines.filter { $0.count > 1 && $0[0] == "start" && $0[1] == id }.count
            let finished = lines.contains { $0.count > 1 && $0[0] == "end" && $0[1] == id }
            #expect(finished, "\(id) never finished")
            if starts > 1 {
                reruns += 1
                #expect(rerunnable.contains(id), "\(id) ran \(starts) times without being in flight at a stop")
            }
            if let seen = completedAtStop[id] {
                #expect(starts == seen, "\(id) ran again after a checkpoint recorded it completed")
                if starts != seen { lost += 1 }
            }
            if !finished { unfinished += 1 }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: project.file(".sdp/checkpoints")) == ["F1.lock"])
        return (stops, reruns, lost, unfinished)
    }

    /// Makes the project's `.sdp` a link to a new folder under `root`.
    private func placeSDP(of project: TemporaryProject, in root: String) throws {
        let folder = (root as NSString).appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: project.file(".sdp"), withDestinationPath: folder)
    }

    @Test func twoRunsStartedTogetherExactlyOneRunsTheOtherChangesNothing() async throws {
        let project = try TemporaryProject()
        let ids = try ledgerFeature(project, layers: 2, width: 3)
        async let first = OneshotBinary.run(["F1"], in: project.path)
        async let second = OneshotBinary.run(["F1"], in: project.path)
        let results = try await [first, second]
        #expect(results.map(\.exitCode).sorted() == [0, 3], "\(results.map(\.stderr))")
        let refused = try #require(results.first { $0.exitCode == 3 })
        #expect(refused.stderr.contains("holds .sdp/checkpoints/F1.lock"))
        #expect(refused.stdout.isEmpty)
        for id in ids {
            #expect(ledger(project).filter { $0.count > 1 && $0[0] == "start" && $0[1] == id }.count == 1)
        }
    }

    @Test func twentyStatusReadersDuringARunAlwaysReadAWholeCheckpoint() async throws {
        let project = try TemporaryProject()
        // Quick workstreams keep the checkpoint being rewritten; `gate` holds the run open until
        // every reader has read eight times.
        for index in 0..<40 { try project.workstream("F1", "w\(index)", run: "sleep 0.05") }
        try project.workstream("F1", "gate", run: "while [ ! -f release ]; do sleep 0.05; done")
        let running = try OneshotBinary.start(["F1", "-j", "3"], in: project.path)
        let reads = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    var count = 0
                    while count < 8 {
                        let status = try await OneshotBinary.run(["status", "F1", "--json"], in: project.path)
                        if status.exitCode == 5 { continue }  // before the first snapshot
                        let object = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any]
                        #expect(status.exitCode == 0 && object?["feature_id"] as? String == "F1", "a torn read: \(status.stdout)")
                        count += 1
                    }
                    return count
                }
            }
            return try await group.reduce(0, +)
        }
        try project.write("release", "")
        let result = try await running.finish()
        #expect(result.exitCode == 0)
        #expect(reads == 160)
    }

    @Test func twoFeaturesOfOneProjectRunSideBySide() async throws {
        let project = try TemporaryProject()
        for feature in ["F1", "F2"] {
            for index in 0..<4 {
                try project.workstream(
                    feature, "\(feature)-w\(index)", run: "sleep 0.2; echo $ONESHOT_WS_ID >> ledger-\(feature)")
            }
        }
        async let one = OneshotBinary.run(["F1"], in: project.path)
        async let two = OneshotBinary.run(["F2"], in: project.path)
        let results = try await [one, two]
        #expect(results.map(\.exitCode) == [0, 0], "\(results.map(\.stderr))")
        #expect(project.read("ledger-F1")?.split(separator: "\n").count == 4)
        #expect(project.read("ledger-F2")?.split(separator: "\n").count == 4)
    }
}
