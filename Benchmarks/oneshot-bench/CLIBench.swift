import Foundation
import Oneshot

/// Workload 3: the same generated DAG run by `oneshot` (durable checkpoints on), `ninja` and
/// `make`, alternating, several runs each; medians, ÷ ninja and ÷ make of the same run, and the
/// CPU time of the tool with its commands.
enum CLIBench {
    struct Tool {
        var name: String
        var executable: String
        var arguments: [String]
        /// What to move aside before each run (relative to the project).
        var cleanUp: [String] = []
        /// What to delete before each run, outside the timing: a first run as `rm -rf .sdp`
        /// leaves it, with the inodes just freed.
        var delete: [String] = []
    }

    /// One run of a tool: wall seconds, and the CPU seconds (user + system) of the tool and
    /// every process it waited for.
    struct Timing {
        var wall: Double
        var cpu: Double
    }

    static func which(_ name: String) -> String? {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return nil
    }

    static func oneshotBinary() -> String? {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("oneshot")
            .path
        return FileManager.default.isExecutableFile(atPath: beside) ? beside : nil
    }

    /// - Parameter knownDurations: also time a run that knows each workstream's duration from
    ///   the history the run before left (`--force` runs everything again): the critical-path
    ///   priority then weighs workstreams by their time instead of counting them.
    static func run(
        label: String, dag: DAG, jobs: Int, runs: Int, knownDurations: Bool = false, command: (Int) -> String
    ) throws -> Double? {
        guard let oneshot = oneshotBinary() else {
            print("\n(3. skipped: no oneshot binary beside oneshot-bench; run `swift build -c release` first)")
            return nil
        }
        let root = try temporaryFolder("cli")
        defer { try? FileManager.default.removeItem(atPath: root) }
        try dag.writeWorkload(to: root, command: command)
        // A first run in a fresh project creates every log file; later runs append to them.
        var tools = [
            Tool(
                name: "oneshot (durable)", executable: oneshot, arguments: ["B", "-j", "\(jobs)", "--no-breaker"],
                cleanUp: [".sdp"]),
            Tool(
                name: "oneshot (fresh, .sdp deleted)", executable: oneshot, arguments: ["B", "-j", "\(jobs)", "--no-breaker"],
                delete: [".sdp"]),
            Tool(
                name: "oneshot (durable, logs exist)", executable: oneshot, arguments: ["B", "-j", "\(jobs)", "--no-breaker"],
                cleanUp: [".sdp/checkpoints", ".sdp/history"]
            ),
        ]
        if knownDurations {
            // Runs after "logs exist", whose success left the history with every duration.
            tools.append(
                Tool(
                    name: "oneshot (durations known)", executable: oneshot,
                    arguments: ["B", "-j", "\(jobs)", "--no-breaker", "--force"], cleanUp: [".sdp/checkpoints"]))
        }
        var missing: [String] = []
        if let ninja = which("ninja") {
            tools.append(
                Tool(
                    name: "ninja", executable: ninja, arguments: ["-f", "plain.ninja", "-j", "\(jobs)"], cleanUp: [".ninja_log"]))
            tools.append(
                Tool(
                    name: "ninja (stamps)", executable: ninja, arguments: ["-f", "stamps.ninja", "-j", "\(jobs)"],
                    cleanUp: [".ninja_log", "*.stamp"])
            )
        } else {
            missing.append("ninja (apt-get install ninja-build)")
        }
        if let make = which("make") {
            tools.append(Tool(name: "make", executable: make, arguments: ["-j", "\(jobs)", "-s", "all"]))
        } else {
            missing.append("make (apt-get install make)")
        }
        var times: [String: [Timing]] = [:]
        for round in 0..<runs {
            for tool in tools {  // alternating, so drift affects every tool alike
                cleanUp(tool, root, round: round)
                times[tool.name, default: []].append(try time(tool, in: root))
            }
        }
        let ninjaMedian = times["ninja"].map { median($0.map(\.wall)) }
        let makeMedian = times["make"].map { median($0.map(\.wall)) }
        let rows = tools.map { tool -> [String] in
            let value = median((times[tool.name] ?? []).map(\.wall))
            let cpu = median((times[tool.name] ?? []).map(\.cpu))
            let ratio = ninjaMedian.map { format(value / $0, 2) } ?? "-"
            let makeRatio = makeMedian.map { format(value / $0, 2) } ?? "-"
            return [label, tool.name, "\(runs)", format(value, 3), ratio, makeRatio, format(cpu, 3)]
        }
        printTable(
            "3. CLI: \(label), j = \(jobs)",
            ["workload", "tool", "runs", "median s", "÷ ninja", "÷ make", "CPU s (tool + commands)"], rows)
        if !missing.isEmpty { print("(missing, column skipped: \(missing.joined(separator: ", ")))") }
        return ninjaMedian.map { median((times["oneshot (durable)"] ?? []).map(\.wall)) / $0 }
    }

    /// Moves what a tool's previous run left aside instead of deleting it: ext4 without a
    /// journal (as on the development machine) skips inodes freed in the last minute or so when
    /// it allocates new ones, so creating files right after deleting thousands costs up to
    /// ~0.5 ms of kernel time each — a cost of the bench's own clean-up, not of the tool. The
    /// moved files go with the temporary folder at the end.
    private static func cleanUp(_ tool: Tool, _ root: String, round: Int) {
        for item in tool.delete { try? FileManager.default.removeItem(atPath: "\(root)/\(item)") }
        let trash = "\(root)/.trash/\(round)-\(tool.name.filter(\.isLetter))"
        try? FileManager.default.createDirectory(atPath: trash, withIntermediateDirectories: true)
        for item in tool.cleanUp {
            if item == "*.stamp" {
                for name in (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [] where name.hasSuffix(".stamp") {
                    rename("\(root)/\(name)", "\(trash)/\(name)")
                }
            } else {
                rename("\(root)/\(item)", "\(trash)/\(item.replacingOccurrences(of: "/", with: "_"))")
            }
        }
    }

    private static func time(_ tool: Tool, in root: String) throws -> Timing {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool.executable)
        process.arguments = tool.arguments
        process.currentDirectoryURL = URL(fileURLWithPath: root)
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let cpuBefore = cpuSeconds(.waitedForChildren)
        let clock = ContinuousClock()
        let start = clock.now
        try process.run()
        process.waitUntilExit()
        let elapsed = clock.now - start
        guard process.terminationStatus == 0 else { throw BenchError("\(tool.name) exited \(process.terminationStatus)") }
        return Timing(wall: elapsed.inSeconds, cpu: cpuSeconds(.waitedForChildren) - cpuBefore)
    }
}
