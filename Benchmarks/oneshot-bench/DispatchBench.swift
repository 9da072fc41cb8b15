import Foundation
import Oneshot

/// Workload 1: no-op closures on layered graphs, in process; each case in a fresh child
/// process so that its peak memory is its own.
enum DispatchBench {
    struct Result: Codable {
        var nodes: Int
        var jobs: Int
        var durable: Bool
        var seconds: Double
        var peakMiB: Double
        var fsyncs: Int
        var bytes: Int
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
        let elapsed = await seconds {
            let report = await dispatcher.run { _, _ in .success }
            precondition(report.status == .succeeded)
        }
        let result = Result(
            nodes: nodes, jobs: jobs, durable: durable, seconds: elapsed, peakMiB: peakMemoryMiB(),
            fsyncs: counting.fsyncs - fsyncsBefore, bytes: counting.bytes - bytesBefore
        )
        if let folder { try? FileManager.default.removeItem(atPath: folder) }
        print(String(decoding: try JSONEncoder().encode(result), as: UTF8.self))
    }

    static func run(sizes: [Int], jobs: [Int], durable: [Bool]) throws -> [Result] {
        var results: [Result] = []
        for mode in durable {
            for size in sizes {
                for j in jobs {
                    let output = try runSelf(["dispatch-case", "\(size)", "\(j)", mode ? "durable" : "memory"])
                    guard let line = output.split(separator: "\n").last,
                        let result = try? JSONDecoder().decode(Result.self, from: Data(line.utf8))
                    else { throw BenchError("dispatch case \(size) j=\(j) printed: \(output)") }
                    results.append(result)
                }
            }
        }
        let rows = results.map { result in
            [
                "\(result.nodes)", "\(result.jobs)", result.durable ? "durable" : "none",
                format(result.seconds * 1e6 / Double(result.nodes), 2), format(result.seconds, 3), format(result.peakMiB, 1),
                result.durable ? format(Double(result.fsyncs) / Double(result.nodes), 3) : "-",
                result.durable ? format(Double(result.bytes) / Double(result.nodes), 0) : "-",
            ]
        }
        printTable(
            "1. Dispatch overhead in process (no-op closures, layered DAG)",
            ["nodes", "j", "checkpoint", "µs/ws", "total s", "peak MiB", "fsyncs/ws", "bytes/ws"], rows
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
