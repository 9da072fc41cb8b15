import Foundation
import Oneshot
import OneshotSystem

// oneshot-bench: measures oneshot against the work it runs and the tools a user would otherwise
// pick. Deterministic (seeded) graphs; figures printed as Markdown tables.
//
//   swift build -c release && swift run -c release oneshot-bench [--smoke] [sections…]
//   sections: dispatch, schedule, cli, checkpoint (default: all)
//   swift run -c release oneshot-bench generate <folder> [nodes] [shape]
//     writes the CLI workload (features/B, plain.ninja, stamps.ninja, Makefile) to profile by hand

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "dispatch-case", arguments.count == 4, let nodes = Int(arguments[1]), let jobs = Int(arguments[2]) {
    try await DispatchBench.runCase(nodes: nodes, jobs: jobs, durable: arguments[3] == "durable")
    exit(0)
}
if arguments.first == "generate", arguments.count >= 2 {
    let nodes = arguments.count > 2 ? Int(arguments[2]) : 5_000
    let shape = arguments.count > 3 ? DAG.Shape(rawValue: arguments[3]) : .layered
    guard let nodes, let shape else {
        print("usage: oneshot-bench generate <folder> [nodes] [\(DAG.Shape.allCases.map(\.rawValue).joined(separator: "|"))]")
        exit(2)
    }
    try DAG.generate(shape, count: nodes, seed: 5).writeWorkload(to: arguments[1]) { _ in "true" }
    print("wrote \(nodes) × true (\(shape.rawValue)) to \(arguments[1]): oneshot B -j 2 --no-breaker; ninja -f plain.ninja -j 2")
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
