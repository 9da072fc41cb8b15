import Foundation
import Oneshot

/// Workload 1: no-op closures on layered graphs and a chain, in process; each case in a fresh
/// child process so that its peak memory is its own.
enum DispatchBench {
    struct Result: Codable {
        var shape: String
        var nodes: Int
        var jobs: Int
        var durable: Bool
        var seconds: Double
        /// User and system CPU time of the run.
        var cpuSeconds: Double
        var peakMiB: Double
        var fsyncs: Int
        var bytes: Int
        /// The size of the snapshot written at the end of a durable run, in MiB.
        var snapshotMiB: Double?
    }

    /// Runs one case here and prints it as JSON (called in a child process).
    static func runCase(nodes: Int, jobs: Int, durable: Bool, shape: DAG.Shape = .layered) async throws {
        let dag = DAG.generate(shape, count: nodes, seed: 7)
        let graph = try WorkstreamGraph(dag.workstreams)
        let counting = CountingFileSystem()
        var session: CheckpointSession?
        var folder: String?
        if durable {
            let path = try temporaryFolder("dispatch")
            folder = path
            session = try CheckpointSession.open(
                graph: graph, paths: CheckpointPaths(folder: path, featureID: "B"), fileSystem: counting)
        }
        let dispatcher = Dispatcher(
            graph: graph, options: DispatchOptions(maxConcurrency: jobs, breaker: nil), journal: session?.store)
        let fsyncsBefore = counting.fsyncs
        let bytesBefore = counting.bytes
        let cpuBefore = cpuSeconds(.ownProcess)
        let elapsed = await seconds {
            let report = await dispatcher.run { _, _ in .success }
            precondition(report.status == .succeeded)
        }
        var result = Result(
            shape: shape.rawValue, nodes: nodes, jobs: jobs, durable: durable, seconds: elapsed,
            cpuSeconds: cpuSeconds(.ownProcess) - cpuBefore, peakMiB: peakMemoryMiB(),
            fsyncs: counting.fsyncs - fsyncsBefore, bytes: counting.bytes - bytesBefore
        )
        // After the figures: the snapshot the run ends with, for the memory goal (durable peak
        // ≤ 1.5 × plain + the snapshot).
        if let session, let folder {
            try session.store.save()
            let size = try FileManager.default.attributesOfItem(atPath: session.store.paths.checkpoint)[.size] as? Int
            result.snapshotMiB = size.map { Double($0) / 1_048_576 }
            try? FileManager.default.removeItem(atPath: folder)
        }
        print(String(decoding: try JSONEncoder().encode(result), as: UTF8.self))
    }

    /// Runs the layered cases (`sizes` × `jobs`) and a chain of `chain` at j=2, each plain and
    /// durable; prints them with durable ÷ plain per workstream, in wall and CPU time.
    static func run(sizes: [Int], jobs: [Int], chain: Int) throws -> [Result] {
        let cases = sizes.flatMap { size in jobs.map { (DAG.Shape.layered, size, $0) } } + [(DAG.Shape.chain, chain, 2)]
        var results: [Result] = []
        for (shape, size, j) in cases {
            for mode in ["memory", "durable"] {
                let output = try runSelf(["dispatch-case", "\(size)", "\(j)", mode, shape.rawValue])
                guard let line = output.split(separator: "\n").last,
                    let result = try? JSONDecoder().decode(Result.self, from: Data(line.utf8))
                else { throw BenchError("dispatch case \(shape.rawValue) \(size) j=\(j) printed: \(output)") }
                results.append(result)
            }
        }
        let rows = results.map { result in
            let plain = results.first {
                !$0.durable && $0.shape == result.shape && $0.nodes == result.nodes && $0.jobs == result.jobs
            }
            let perNode = { (value: Double) in format(value * 1e6 / Double(result.nodes), 2) }
            // The goal: durable peak ≤ 1.5 × plain + the snapshot.
            let memoryGoal = result.snapshotMiB.flatMap { snapshot in plain.map { 1.5 * $0.peakMiB + snapshot } }
            return [
                result.shape, "\(result.nodes)", "\(result.jobs)", result.durable ? "durable" : "none", perNode(result.seconds),
                perNode(result.cpuSeconds),
                result.durable ? plain.map { format(result.seconds / $0.seconds, 1) } ?? "-" : "-",
                result.durable ? plain.map { format(result.cpuSeconds / $0.cpuSeconds, 1) } ?? "-" : "-",
                format(result.seconds, 3), format(result.peakMiB, 1), result.snapshotMiB.map { format($0, 1) } ?? "-",
                memoryGoal.map { format($0, 1) } ?? "-",
                result.durable ? format(Double(result.fsyncs) / Double(result.nodes), 3) : "-",
                result.durable ? format(Double(result.bytes) / Double(result.nodes), 0) : "-",
            ]
        }
        printTable(
            "1. Dispatch overhead in process (no-op closures)",
            [
                "shape", "nodes", "j", "checkpoint", "µs/ws", "CPU µs/ws", "÷ plain", "CPU ÷ plain", "total s", "peak MiB",
                "snapshot MiB", "peak goal MiB", "fsyncs/ws", "bytes/ws",
            ], rows
        )
        return results
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs this executable again with `arguments`; returns its stdout.
func runSelf(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw BenchError("\(arguments) exited \(process.terminationStatus)") }
    return String(decoding: data, as: UTF8.self)
}
