import Foundation
import Oneshot
import Synchronization

/// Workload 2: random durations (simulated with sleeps), makespan ÷ lower bound, for oneshot's
/// scheduler and for the original's batch barrier (written here only, as a reference).
enum ScheduleBench {
    static func run(nodes: Int, jobs: [Int], seed: UInt64) async throws -> [(Int, Double, Double)] {
        let dag = DAG.generate(.layered, count: nodes, duration: 0.020...0.200, seed: seed)
        var rows: [[String]] = []
        var results: [(Int, Double, Double)] = []
        for j in jobs {
            let bound = dag.lowerBound(workers: j)
            let graph = try WorkstreamGraph(dag.workstreams)
            let durations = Dictionary(uniqueKeysWithValues: (0..<dag.count).map { (DAG.id($0), dag.durations[$0]) })
            let dispatcher = Dispatcher(graph: graph, options: DispatchOptions(maxConcurrency: j, breaker: nil))
            let oneshot = await seconds {
                _ = await dispatcher.run { workstream, _ in
                    try await Task.sleep(for: .milliseconds(Int64((durations[workstream.id] ?? 0) * 1000)))
                    return .success
                }
            }
            let barrier = await seconds { await batchBarrier(dag, jobs: j) }
            rows.append([
                "\(nodes)", "\(j)", format(bound, 3), format(oneshot, 3), format(oneshot / bound, 3), format(barrier, 3),
                format(barrier / bound, 3),
            ])
            results.append((j, oneshot / bound, barrier / bound))
        }
        printTable(
            "2. Schedule quality (random 20–200 ms, layered DAG, seed \(seed))",
            ["nodes", "j", "lower bound s", "oneshot s", "oneshot ÷ bound", "batch barrier s", "barrier ÷ bound"], rows
        )
        return results
    }

    /// The original dispatcher's strategy: take up to `jobs` ready nodes (in id order), run them
    /// together, wait for all of them, repeat.
    static func batchBarrier(_ dag: DAG, jobs: Int) async {
        var remaining = dag.dependencies.map(\.count)
        var dependents = [[Int]](repeating: [], count: dag.count)
        for (node, dependencies) in dag.dependencies.enumerated() { dependencies.forEach { dependents[$0].append(node) } }
        var ready = (0..<dag.count).filter { remaining[$0] == 0 }
        while !ready.isEmpty {
            let batch = Array(ready.prefix(jobs))
            ready.removeFirst(batch.count)
            await withTaskGroup(of: Void.self) { group in
                for node in batch {
                    group.addTask { try? await Task.sleep(for: .milliseconds(Int64(dag.durations[node] * 1000))) }
                }
            }
            for node in batch {
                for dependent in dependents[node] {
                    remaining[dependent] -= 1
                    if remaining[dependent] == 0 { ready.append(dependent) }
                }
            }
            ready.sort()
        }
    }
}
