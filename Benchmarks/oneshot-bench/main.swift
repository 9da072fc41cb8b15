import Foundation
import Oneshot
import OneshotSystem

// oneshot-bench: measures oneshot against the work it runs and the tools a user would otherwise
// pick. Deterministic (seeded) graphs; figures printed as Markdown tables.
//
//   swift build -c release && swift run -c release oneshot-bench [--smoke] [sections…]
//   sections: dispatch, schedule, cli, checkpoint (default: all)

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "dispatch-case", arguments.count == 4, let nodes = Int(arguments[1]), let jobs = Int(arguments[2]) {
    try await DispatchBench.runCase(nodes: nodes, jobs: jobs, durable: arguments[3] == "durable")
    exit(0)
}
let smoke = arguments.contains("--smoke")
let sections = Set(arguments.filter { !$0.hasPrefix("-") })
func wants(_ section: String) -> Bool { sections.isEmpty || sections.contains(section) }

var machine = utsname()
uname(&machine)
let release = withUnsafeBytes(of: &machine.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
print("# oneshot-bench\(smoke ? " (smoke sizes)" : "")")
print(
    "machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(ProcessInfo.processInfo.physicalMemory / 1_073_741_824) GiB, Linux \(release); date: \(RFC3339.format(Date()))"
)

if wants("dispatch") {
    _ = try DispatchBench.run(
        sizes: smoke ? [1_000] : [1_000, 10_000, 100_000], jobs: smoke ? [8] : [2, 8, 64],
        durable: [false, true]
    )
}
if wants("schedule") {
    _ = try await ScheduleBench.run(nodes: smoke ? 40 : 200, jobs: [4, 16], seed: 42)
}
if wants("cli") {
    let noOps = DAG.generate(.layered, count: smoke ? 200 : 5_000, seed: 5)
    _ = try CLIBench.run(label: "\(noOps.count) × true", dag: noOps, jobs: 2, runs: smoke ? 1 : 3) { _ in "true" }
    let sleeping = DAG.generate(.layered, count: smoke ? 20 : 200, duration: 0.020...0.200, seed: 6)
    _ = try CLIBench.run(label: "\(sleeping.count) × sleep 20–200 ms", dag: sleeping, jobs: 4, runs: smoke ? 1 : 3) { index in
        "sleep \(format(sleeping.durations[index], 3))"
    }
}
if wants("checkpoint") {
    try await CheckpointBench.run(sizes: smoke ? [100, 1_000] : [100, 1_000, 10_000, 100_000])
}
