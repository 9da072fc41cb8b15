import Foundation
import OneshotTestSupport
import Testing

/// What a command starts outside its attempt's process group (`setsid cmd &`, a double fork) is
/// re-parented to oneshot, ended with its attempt or with the run, and leaves no zombie.
@Suite(.timeLimit(.minutes(2))) struct SubreaperTests {
    private static let isLinux: Bool = {
        #if os(Linux)
            true
        #else
            false
        #endif
    }()

    /// Waits at the gate `name` in the project folder: the test's go-ahead.
    private static func await(_ name: String) -> String {
        "read _ < \(name) || :"
    }

    private func pid(_ project: TemporaryProject, _ file: String) throws -> Int32 {
        try #require(project.read(file).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) })
    }

    /// The children of every thread of `pid`.
    private func children(of pid: Int32) -> Set<Int32> {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return Set(
            tasks.flatMap { task in
                ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? "")
                    .split(separator: " ").compactMap { Int32($0) }
            })
    }

    /// Live processes whose environment names `project` (every command's does, through
    /// `ONESHOT_EXIT_FILE`).
    private func processes(of project: TemporaryProject) -> [Int32] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap(Int32.init).filter { pid in
            guard isAlive(pid), let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return false }
            return String(decoding: environ, as: UTF8.self).contains(project.path)
        }
    }

    @Test(.enabled(if: isLinux, "PR_SET_CHILD_SUBREAPER is Linux only"))
    func whatEscapedTheGroupEndsWithItsAttempt() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "setsid sleep 300 & echo $! > esc.pid")
        try project.workstream("F1", "b", depends: ["a"], run: Self.await("checked"))
        try project.gate("checked")
        let running = try OneshotBinary.start(["F1", "--grace", "0.5s"], in: project.path)
        #expect(await project.until { project.read("esc.pid")?.hasSuffix("\n") == true })
        let escaped = try pid(project, "esc.pid")
        let escapedLeftover = Leftover(escaped)
        defer { escapedLeftover.end() }
        #expect(await processEnds(escaped), "the escaped sleep \(escaped) outlived its attempt")
        #expect(running.process.isRunning, "the run went on meanwhile (b waits for the marker)")
        try project.openGate("checked")
        let result = try await running.finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
    }

    /// A process in the middle of its exec shows an empty environment, so nothing ties it to its
    /// attempt yet; on a loaded machine the exec outlasted the 50 ms it was given, and the escapee
    /// ran on until the run ended. Here the escapee's environment is empty (`env -i`) until its
    /// attempt's shell has exited — the FIFO that shell holds open for writing then reads its
    /// end — and half a second more (a slow exec), then it execs into one holding the attempt's
    /// marks. Nothing waits for the test process or the run's next steps.
    @Test(.enabled(if: isLinux, "PR_SET_CHILD_SUBREAPER is Linux only"))
    func anEscapeeWhoseEnvironmentShowsLateStillEndsWithItsAttempt() async throws {
        let project = try TemporaryProject()
        let marks = "ONESHOT_FEATURE_ID=F1 ONESHOT_WS_ID=a ONESHOT_ATTEMPT=1"
        // No program between: a `/usr/bin/env` would show the PWD the shell exports, without the
        // marks, and is then rightly taken for someone else's.
        let escapee = "echo $$ > esc.pid; read _ < a.alive; /bin/sleep 0.5; export \(marks); exec /bin/sleep 300"
        // The escapee does not inherit the shell's end of the FIFO (5>&-): only the shell's exit ends its read.
        try project.workstream(
            "F1", "a", run: "setsid /usr/bin/env -i /bin/sh -c '\(escapee)' 5>&- & exec 5> a.alive")
        try project.workstream("F1", "b", depends: ["a"], run: Self.await("checked"))
        for gate in ["a.alive", "checked"] { try project.gate(gate) }
        let running = try OneshotBinary.start(["F1", "--grace", "0.5s"], in: project.path)
        #expect(await project.until { project.read("esc.pid")?.hasSuffix("\n") == true })
        let escaped = try pid(project, "esc.pid")
        let escapedLeftover = Leftover(escaped)
        defer { escapedLeftover.end() }
        #expect(await processEnds(escaped), "the escapee \(escaped) outlived its attempt")
        #expect(running.process.isRunning, "the run went on meanwhile (b waits for the marker)")
        try project.openGate("checked")
        let result = try await running.finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
    }

    @Test(.enabled(if: isLinux, "PR_SET_CHILD_SUBREAPER is Linux only"))
    func aDoubleForkedGrandchildIsOneshotsChildAndLeavesNoZombie() async throws {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "a",
            run: "(setsid sh -c 'echo $$ > gc.pid; \(Self.await("go"))' &); \(Self.await("checked"))")
        try project.gate("go")
        try project.gate("checked")
        let running = try OneshotBinary.start(["F1"], in: project.path)
        #expect(await project.until { project.read("gc.pid")?.hasSuffix("\n") == true })
        let grandchild = try pid(project, "gc.pid")
        let grandchildLeftover = Leftover(grandchild)
        defer { grandchildLeftover.end() }
        // Re-parenting and reaping raise no event a test can wait on (a pidfd tells the exit
        // only): /proc is polled for them.
        #expect(try await eventually { children(of: running.pid).contains(grandchild) }, "re-parented to oneshot, not init")
        try project.openGate("go")
        #expect(await processEnds(grandchild))
        #expect(
            try await eventually {
                !children(of: running.pid).contains(grandchild) && !FileManager.default.fileExists(atPath: "/proc/\(grandchild)")
            }, "the grandchild's zombie was reaped while oneshot ran")
        try project.openGate("checked")
        let result = try await running.finish()
        #expect(result.exitCode == 0, "\(result.stdout)\n\(result.stderr)")
    }

    /// `unshare` starts oneshot as pid 1 of a new pid namespace (root only), as in a container.
    private static let canBePidOne = isLinux && getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare")

    @Test(.enabled(if: canBePidOne, "needs root and /usr/bin/unshare to run oneshot as a pid namespace's pid 1"))
    func asAContainersPidOneItLeavesNoZombies() async throws {
        let project = try TemporaryProject()
        // Five double-forked shells exit; the command waits (bounded) until no zombie has oneshot
        // (pid 1) for parent, and fails if some stay. (The subshells are the shell's own zombies.)
        let zombieOfOneshot =
            "z() { for f in /proc/[0-9]*/stat; do set -- $(cat $f 2>/dev/null); [ \"$3\" = Z ] && [ \"$4\" = 1 ] && return 0; done; return 1; }"
        try project.workstream(
            "F1", "a",
            run:
                "\(zombieOfOneshot); for i in 1 2 3 4 5; do (sh -c 'echo $$ >> gone' &); done; i=0; while [ \"$(wc -l < gone 2>/dev/null)\" != 5 ] || z; do i=$((i+1)); [ $i -gt 200 ] && exit 1; sleep 0.05; done"
        )
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        process.arguments = ["--pid", "--fork", "--mount-proc", OneshotBinary.url.path, "F1"]
        process.currentDirectoryURL = URL(fileURLWithPath: project.path)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let (ended, done) = AsyncStream<Int32>.makeStream()
        process.terminationHandler = {
            done.yield($0.terminationStatus)
            done.finish()
        }
        try process.run()
        var status: Int32 = -1
        for await code in ended { status = code }
        #expect(status == 0, "zombies stayed under oneshot as pid 1: \(project.read(".sdp/logs/F1/a.log") ?? "")")
    }

    @Test(.enabled(if: isLinux, "PR_SET_CHILD_SUBREAPER is Linux only"))
    func sigintLeavesNothingAliveEvenWhatEscapedAndIgnoresSIGTERM() async throws {
        let project = try TemporaryProject()
        try project.workstream(
            "F1", "a",
            run:
                "setsid sh -c 'trap \"\" TERM; echo $$ > esc.pid; : > esc.ready; while :; do sleep 1; done' & \(Self.await("esc.ready")); wait"
        )
        // The escaped shell opens it once it ignores SIGTERM and has written its pid.
        try project.gate("esc.ready")
        let running = try OneshotBinary.start(["F1", "--grace", "0.5s"], in: project.path)
        #expect(await project.until { project.read("esc.pid")?.hasSuffix("\n") == true })
        let escaped = try pid(project, "esc.pid")
        let escapedLeftover = Leftover(escaped)
        defer { escapedLeftover.end(group: true) }
        kill(running.pid, SIGINT)
        let result = try await running.finish()
        #expect(result.exitCode == 130, "\(result.stdout)\n\(result.stderr)")
        #expect(!isAlive(escaped), "the escaped shell \(escaped), which ignores SIGTERM, outlived oneshot")
        #expect(processes(of: project).isEmpty, "nothing started for the project outlives oneshot")
    }
}
