import Foundation
import OneshotCheckpoint
import Testing

/// A CI job cut off and resumed by a later job on another runner: GitHub's cancellation (SIGINT,
/// SIGTERM 7.5 s later, SIGKILL 2.5 s after that; the first wait shortened here, the order the
/// same), a lost runner (SIGKILL, its processes killed by the runner's cleanup) and `--deadline`,
/// each followed by the cache's carry — `.sdp/`, the feature's files and the declared outputs
/// copied to a fresh folder at another path, the old one gone — and a resume there.
@Suite(.timeLimit(.minutes(3))) struct CIResumeTests {
    /// What the commands share across both folders: the ledger every command appends to, and the
    /// gates that the long workstreams wait for (`gate-b`, `gate-c`).
    private struct Outside {
        let folder: TemporaryProject
        var ledger: String { folder.file("ledger") }
        var gate: String { folder.file("gate") }

        /// Lets the long workstream `id` finish.
        func open(_ id: String) throws { try folder.openGate("gate-\(id)") }

        init() throws {
            folder = try TemporaryProject()
            for id in ["b", "c"] { try folder.gate("gate-\(id)") }
        }
        var environment: [String: String] { ["LEDGER": ledger, "GATE": gate] }

        /// How many times `line` was appended to the ledger.
        func count(_ line: String) -> Int {
            ((try? String(contentsOfFile: ledger, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0 == line }.count
        }
    }

    /// `a` and `e` (`idempotent: false`) finish at once, `a` with a declared output; `b` and `c`
    /// run until the gate opens, ignoring SIGTERM (as a command busy in a tool that does); `d`
    /// needs both.
    private func feature(_ project: TemporaryProject) throws {
        try project.workstream(
            "F1", "a", run: #"echo "start a" >> "$LEDGER"; mkdir -p out; echo a > out/a.txt; echo "done a" >> "$LEDGER""#,
            extra: "outputs: [out/a.txt]\n")
        try project.workstream(
            "F1", "e", depends: ["a"], run: #"echo "start e" >> "$LEDGER"; echo "done e" >> "$LEDGER""#,
            extra: "idempotent: false\n")
        for id in ["b", "c"] {
            try project.workstream(
                "F1", id, depends: ["a"],
                run:
                    #"echo "start \#(id)" >> "$LEDGER"; echo $$ > \#(id).pid; trap '' TERM; read _ < "$GATE-\#(id)" || :; echo "done \#(id)" >> "$LEDGER""#
            )
        }
        try project.workstream("F1", "d", depends: ["b", "c"], run: #"echo "start d" >> "$LEDGER"; echo "done d" >> "$LEDGER""#)
    }

    /// Starts the run and returns once the checkpoint holds `a` and `e` completed and `b` and `c`
    /// running with their processes recorded.
    private func startAndWaitForTheLongWork(
        _ project: TemporaryProject, _ outside: Outside, arguments: [String]
    ) async throws -> RunningBinary {
        let running = try OneshotBinary.start(["F1"] + arguments, in: project.path, environment: outside.environment)
        let paths = CheckpointPaths(folder: project.file(".sdp/checkpoints"), featureID: "F1")
        let ready = await project.until(".sdp/checkpoints/F1-checkpoint.json") {
            guard let saved = (try? CheckpointReader.load(paths))??.checkpoint else { return false }
            let recorded = Set((saved.inFlight ?? []).filter { $0.pid != nil }.map(\.id))
            return Set(saved.completed) == ["a", "e"] && recorded == ["b", "c"]
        }
        #expect(ready, "the run never reached b and c running with a and e done: \(running.stdout)")
        return running
    }

    /// The cache's carry, as in `examples/ci/`: oneshot's state under `.sdp/`, the declared
    /// outputs, and the checkout (`features/`) to a new folder; the old one is removed, as a new
    /// runner does not have it.
    ///
    /// - Parameter fromAnotherMachine: the processes the checkpoint records ran on another
    ///   machine (another boot id and host), as on a new runner.
    private func carry(_ old: TemporaryProject, fromAnotherMachine: Bool = false) throws -> TemporaryProject {
        let new = try TemporaryProject()
        try FileManager.default.createDirectory(atPath: new.file(".sdp"), withIntermediateDirectories: true)
        for item in [".sdp/checkpoints", ".sdp/history", ".sdp/logs", "features", "out"]
        where FileManager.default.fileExists(atPath: old.file(item)) {
            try FileManager.default.copyItem(atPath: old.file(item), toPath: new.file(item))
        }
        try FileManager.default.removeItem(atPath: old.path)
        if fromAnotherMachine { try moveToAnotherMachine(new) }
        return new
    }

    /// Rewrites the boot id and host of the carried checkpoint and journal.
    private func moveToAnotherMachine(_ project: TemporaryProject) throws {
        let bootID = try String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let folder = project.file(".sdp/checkpoints")
        var rewritten = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasPrefix("F1-") {
            let path = (folder as NSString).appendingPathComponent(name)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let moved = text.replacingOccurrences(of: "\"\(bootID)\"", with: "\"00000000-0000-0000-0000-000000000000\"")
                .replacingOccurrences(of: #""host":"[^"]*""#, with: #""host":"another-runner""#, options: .regularExpression)
            if moved != text { rewritten += 1 }
            try moved.write(toFile: path, atomically: false, encoding: .utf8)
        }
        #expect(rewritten > 0, "no process record to move in \(folder)")
    }

    /// Resumes in `project` once the gates are open, then checks that everything ran to the end,
    /// that nothing completed ran again and nothing ran twice, and that the old path stayed gone.
    ///
    /// - Parameter finished: the workstreams that completed before the resume (`a`, `e`, and
    ///   those that finished after their run was lost).
    private func resumeAndCheck(
        _ project: TemporaryProject, _ outside: Outside, oldPath: String, finished: Set<String> = ["a", "e"]
    ) async throws -> BinaryResult {
        try outside.open("b")
        try outside.open("c")
        let resumed = try await OneshotBinary.run(["F1", "-j", "4"], in: project.path, environment: outside.environment)
        #expect(resumed.exitCode == 0, "stdout: \(resumed.stdout)\nstderr: \(resumed.stderr)")
        #expect(resumed.stdout.contains("PRESERVED"), "\(resumed.stdout)")
        for id in ["a", "b", "c", "d", "e"] {
            #expect(outside.count("done \(id)") == 1, "\(id) completed \(outside.count("done \(id)")) times")
        }
        for id in finished.union(["d"]) {
            #expect(outside.count("start \(id)") == 1, "\(id) started \(outside.count("start \(id)")) times")
        }
        #expect(!FileManager.default.fileExists(atPath: oldPath), "the resumed run wrote to the old project path")
        for id in Set(["b", "c"]).subtracting(finished) {
            #expect(outside.count("start \(id)") == 2, "\(id) started \(outside.count("start \(id)")) times")
            // The new attempt's log and exit status are at the new path.
            let log = project.read(".sdp/logs/F1/\(id).log") ?? ""
            let headers = log.split(separator: "\n").filter { $0.hasPrefix("=== \(id) attempt ") && $0.contains(" · ") }
            #expect(headers.count == 2, "\(log)")
            #expect(log.split(separator: "\n").last { $0.contains(" ended: ") }?.contains(" ended: exit 0 after ") == true)
            #expect(project.exitStatus("F1", id)?.exitCode == 0)
        }
        let again = try await OneshotBinary.run(["F1"], in: project.path, environment: outside.environment)
        #expect(again.exitCode == 0)
        #expect(again.stdout.contains("F1 is up to date: 5 workstreams done"), "\(again.stdout)")
        return resumed
    }

    @Test func aRunCancelledAsGitHubCancelsResumesOnAnotherRunnerAtAnotherPath() async throws {
        let outside = try Outside()
        let project = try TemporaryProject()
        try feature(project)
        // A grace longer than the test waits: only the runner's SIGTERM ends the stop.
        let running = try await startAndWaitForTheLongWork(project, outside, arguments: ["-j", "4", "--grace", "60s"])
        kill(running.pid, SIGINT)
        let stopping = await project.until {
            (try? String(contentsOfFile: running.errPath, encoding: .utf8))?.contains("received SIGINT") == true
        }
        #expect(stopping, "oneshot did not take the SIGINT")
        kill(running.pid, SIGTERM)
        let result = try await Self.finish(running, killingAfter: .milliseconds(2500))
        #expect(result.exited && result.exitCode == 130, "exit \(result.exitCode); stderr: \(result.stderr)")
        for id in ["b", "c"] {
            let pid = Int32(project.read("\(id).pid")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "")
            #expect(pid.map { !isAlive($0) } ?? false, "\(id)'s shell outlived the cancelled run")
        }
        let oldPath = project.path
        _ = try await resumeAndCheck(try carry(project), outside, oldPath: oldPath)
    }

    @Test func aLostRunnerResumesAtAnotherPathKeepingWhatFinishedAfterIt() async throws {
        let outside = try Outside()
        let project = try TemporaryProject()
        try feature(project)
        let running = try await startAndWaitForTheLongWork(project, outside, arguments: ["-j", "4"])
        kill(running.pid, SIGKILL)
        _ = try await running.finish()
        // b ends before the runner's cleanup: its shell leaves its exit status, which is carried.
        try outside.open("b")
        #expect(await project.until(".sdp/logs/F1/exits") { project.exitStatus("F1", "b") != nil })
        // The runner's cleanup: what the job left running is killed with it.
        if let pid = Int32(project.read("c.pid")?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") {
            kill(-pid, SIGKILL)
        }
        let oldPath = project.path
        let moved = try carry(project, fromAnotherMachine: true)
        let resumed = try await resumeAndCheck(moved, outside, oldPath: oldPath, finished: ["a", "e", "b"])
        // c's process record names the other machine: not looked for here, run again.
        #expect(resumed.stdout.contains("another-runner"), "\(resumed.stdout)")
    }

    @Test func aRunStoppedAtItsDeadlineResumesOnAnotherRunnerAtAnotherPath() async throws {
        let outside = try Outside()
        let project = try TemporaryProject()
        try feature(project)
        let stopped = try await OneshotBinary.run(
            ["F1", "-j", "4", "--deadline", "3s", "--grace", "500ms"], in: project.path, environment: outside.environment)
        #expect(stopped.exitCode == 7, "stdout: \(stopped.stdout)\nstderr: \(stopped.stderr)")
        #expect(outside.count("done a") == 1 && outside.count("done e") == 1)
        let oldPath = project.path
        _ = try await resumeAndCheck(try carry(project), outside, oldPath: oldPath)
    }

    private enum Ending: Sendable {
        case exited(BinaryResult)
        case timeUp
        case cancelled
    }

    /// Waits for `running` to end; SIGKILLs it if it is still running after `limit`, as the
    /// runner does 2.5 s after its SIGTERM.
    private static func finish(_ running: RunningBinary, killingAfter limit: Duration) async throws -> BinaryResult {
        try await withThrowingTaskGroup(of: Ending.self) { group in
            group.addTask { .exited(try await running.finish()) }
            group.addTask { (try? await Task.sleep(for: limit)) == nil ? .cancelled : .timeUp }
            var result: BinaryResult?
            while let ending = try await group.next() {
                switch ending {
                case .exited(let value):
                    result = value
                    group.cancelAll()
                case .timeUp where running.process.isRunning:
                    kill(running.pid, SIGKILL)
                case .timeUp, .cancelled:
                    break
                }
            }
            guard let result else { throw CancellationError() }
            return result
        }
    }
}
