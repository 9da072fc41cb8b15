import Foundation
import OneshotCheckpoint
import Testing

/// A starved CPU does not make oneshot lose track of its own processes: every attempt a kill -9
/// left running is recognised and adopted, none runs a second time beside its first.
///
/// Under a CPU quota, the spawning thread can be held back for whole scheduler periods between
/// the kernel stamping a child's start and oneshot reading the clock; a start time read after
/// `posix_spawn` then no longer matches the one in `/proc`, the resume takes the live orphan for
/// gone, and the workstream runs again beside it (8 of 12 at 3 % of a CPU, issue #11).
@Suite(.timeLimit(.minutes(4))) struct OrphanAdoptionUnderLoadTests {
    static let count = 12
    private static let ids = (0..<count).map { "w\($0)" }
    private static let quotaPercent = 3

    /// Each workstream records its start, waits at the gate `release` (blocked, leaving the
    /// quota to oneshot), records its end. Every other one is not idempotent: an orphan taken
    /// for gone is then held as UNCERTAIN, while an idempotent one is started a second time
    /// beside the first.
    private func feature(_ project: TemporaryProject) throws {
        try project.gate("release")
        for (index, id) in Self.ids.enumerated() {
            try project.workstream(
                "F1", id,
                run: "echo start $ONESHOT_WS_ID >> ledger; read _ < release || :; echo end $ONESHOT_WS_ID >> ledger",
                extra: index.isMultiple(of: 2) ? "idempotent: false\n" : "")
        }
    }

    private func lines(_ project: TemporaryProject, _ kind: String) -> [String] {
        (project.read("ledger") ?? "").split(separator: "\n").filter { $0.hasPrefix(kind + " ") }.map {
            String($0.dropFirst(kind.count + 1))
        }
    }

    /// The records of the attempts in flight, as a resume would read them.
    private func inFlight(_ project: TemporaryProject) -> [InFlightRecord] {
        let paths = CheckpointPaths(folder: project.file(".sdp/checkpoints"), featureID: "F1")
        return ((try? CheckpointReader.load(paths))??.checkpoint.inFlight) ?? []
    }

    @Test(arguments: [false, true])
    func everyLiveOrphanOfARunKilledUnderAThreePercentQuotaIsAdoptedAndRunsOnce(resumeInsideTheQuota: Bool) async throws {
        if let reason = CPUQuota.unavailableReason {
            print("OrphanAdoptionUnderLoadTests skipped: \(reason)")
            return
        }
        let project = try TemporaryProject()
        try feature(project)
        try await CPUQuota.with(percentOfOneCPU: Self.quotaPercent) { quota in
            do {
                let orphans = try await killedRun(project, in: quota)
                try await resume(project, in: resumeInsideTheQuota ? quota : nil, orphans: orphans)
                #expect(quota.processes.isEmpty, "processes of the feature outlived the resumed run: \(quota.processes)")
            } catch {
                try await endEverything(in: quota, of: project)
                throw error
            }
            try await endEverything(in: quota, of: project)
        }
    }

    /// Ends what a failure left in the group (orphans waiting for `release`), and waits until
    /// they are gone: a group is removable only once its last process has exited.
    private func endEverything(in quota: CPUQuota, of project: TemporaryProject) async throws {
        try? project.openGate("release")
        quota.killProcesses()
        #expect(await Awaited.noneLeft(within: .seconds(10)) { quota.processes }, "unkillable: \(quota.processes)")
    }

    /// Runs the feature inside `quota` until all twelve have started and the checkpoint names
    /// each one's process, then kills oneshot with SIGKILL. Returns the orphans' pids.
    private func killedRun(_ project: TemporaryProject, in quota: CPUQuota) async throws -> [Int32] {
        let first = try OneshotBinary.start(["F1", "-j", "\(Self.count)"], in: project.path, launcher: quota.launcher)
        let started = await project.until(".sdp/checkpoints/F1-checkpoint.json", within: .seconds(90)) {
            lines(project, "start").count == Self.count && inFlight(project).filter { $0.pid != nil }.count == Self.count
        }
        kill(first.pid, SIGKILL)
        let killed = try await first.finish()
        try #require(started, "not all started and recorded: ledger \(lines(project, "start")), \(killed.stdout)\(killed.stderr)")
        #expect(quota.throttledPeriods > 0, "the quota never held the run back")
        let orphans = inFlight(project).compactMap(\.pid)
        #expect(orphans.allSatisfy(isAlive), "a kill -9 of oneshot leaves its attempts running")
        return orphans
    }

    /// Resumes (inside `quota`, or outside any when `nil`), checks that the report adopts all
    /// of `orphans` before anything is released, then releases them and checks that each
    /// workstream started once and ended once.
    private func resume(_ project: TemporaryProject, in quota: CPUQuota?, orphans: [Int32]) async throws {
        let second = try OneshotBinary.start(
            ["F1", "-j", "\(Self.count)"], in: project.path, launcher: quota?.launcher ?? [])
        let reported = await project.until(within: .seconds(90)) {
            second.stdout.contains("Resuming: 0/\(Self.count) done")
        }
        let report = second.stdout
        try project.openGate("release")
        let result = try await second.finish()
        try #require(reported, "no resume report: \(result.stdout)\(result.stderr)")
        let adopted = report.split(separator: "\n").filter { $0.hasPrefix("ADOPTED     ") }
        #expect(adopted.count == Self.count, "live orphans not recognised:\n\(report)")
        for pid in orphans {
            #expect(adopted.contains { $0.contains("(pid \(pid)) is still running") }, "pid \(pid) not adopted:\n\(report)")
        }
        #expect(!report.contains("UNCERTAIN"), "\(report)")
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(lines(project, "start").sorted() == Self.ids.sorted(), "a workstream started twice (or never)")
        #expect(lines(project, "end").sorted() == Self.ids.sorted(), "a workstream did not end exactly once")
        #expect(try FileManager.default.contentsOfDirectory(atPath: project.file(".sdp/checkpoints")) == ["F1.lock"])
    }
}
