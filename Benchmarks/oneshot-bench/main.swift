import Foundation
import Oneshot
import OneshotSystem

// oneshot-bench: measures oneshot against the work it runs and the tools a user would otherwise
// pick. Deterministic (seeded) graphs; figures printed as Markdown tables.
//
//   swift build -c release && swift run -c release oneshot-bench --help
//   `generate` writes the CLI workload (features/B, plain.ninja, stamps.ninja, Makefile) to
//   profile by hand.

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "dispatch-case", (4...5).contains(arguments.count), let nodes = Int(arguments[1]),
    let jobs = Int(arguments[2]), let shape = arguments.count == 5 ? DAG.Shape(rawValue: arguments[4]) : .layered
{
    try await DispatchBench.runCase(nodes: nodes, jobs: jobs, durable: arguments[3] == "durable", shape: shape)
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
let usage = """
    usage: oneshot-bench [--smoke] [section…]
           oneshot-bench generate <folder> [nodes] [\(DAG.Shape.allCases.map(\.rawValue).joined(separator: "|"))]

    Measures oneshot against the work it runs and against ninja and make on the same generated
    DAGs; prints Markdown tables. Build first: swift build -c release.

    sections (default: all):
      dispatch     in process: plain and durable dispatch of 1k, 10k, 100k no-op closures
                   (layered) and of a chain of 1,000 (j=2), durable ÷ plain in wall and CPU time;
                   peak memory, the final snapshot's size and the memory goal (1.5 × plain's
                   peak + the snapshot)
      schedule     critical-path priority against FIFO and ninja's order on sleeping DAGs
      cli          the binary against ninja and make: layered 5,000 and 2,000 no-ops and a
                   chain of 500 (j=2), layered 200 sleeps (j=4, j=16); oneshot from a fresh .sdp
                   (moved aside, and deleted just before as rm -rf leaves it) and with the logs
                   of an earlier run present; ÷ ninja, ÷ make and CPU seconds of each tool
      checkpoint   snapshot and journal costs at 100 to 100k workstreams

    options:
      --smoke      small sizes, one run each: a quick check that every section works
      -h, --help   this text
    """
if arguments.contains("-h") || arguments.contains("--help") {
    print(usage)
    exit(0)
}
let knownSections: Set = ["dispatch", "schedule", "cli", "checkpoint"]
let smoke = arguments.contains("--smoke")
let sections = Set(arguments.filter { !$0.hasPrefix("-") })
if let unknown = (arguments.filter { $0.hasPrefix("-") && $0 != "--smoke" } + sections.subtracting(knownSections)).first {
    FileHandle.standardError.write(Data("oneshot-bench: unknown argument '\(unknown)'\n\n\(usage)\n".utf8))
    exit(2)
}
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
        sizes: smoke ? [1_000] : [1_000, 10_000, 100_000], jobs: smoke ? [8] : [2, 8, 64], chain: smoke ? 200 : 1_000)
}
if wants("schedule") {
    _ = try await ScheduleBench.run(nodes: smoke ? 40 : 200, jobs: [4, 16], seed: 42)
}
if wants("cli") {
    let runs = smoke ? 1 : 3
    for (shape, count) in smoke ? [(DAG.Shape.layered, 200)] : [(.layered, 5_000), (.layered, 2_000), (.chain, 500)] {
        let noOps = DAG.generate(shape, count: count, seed: 5)
        _ = try CLIBench.run(label: "\(shape.rawValue) \(noOps.count) × true", dag: noOps, jobs: 2, runs: runs) { _ in "true" }
    }
    let sleeping = DAG.generate(.layered, count: smoke ? 20 : 200, duration: 0.020...0.200, seed: 6)
    for jobs in smoke ? [4] : [4, 16] {
        _ = try CLIBench.run(
            label: "\(sleeping.count) × sleep 20–200 ms", dag: sleeping, jobs: jobs, runs: runs, knownDurations: true
        ) { index in
            "sleep \(format(sleeping.durations[index], 3))"
        }
    }
}
if wants("checkpoint") {
    try await CheckpointBench.run(sizes: smoke ? [100, 1_000] : [100, 1_000, 10_000, 100_000])
}
