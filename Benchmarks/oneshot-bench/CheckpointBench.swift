import Foundation
import Oneshot
import Synchronization

/// Workload 4: one checkpoint write (time, bytes) at growing graph sizes.
enum CheckpointBench {
    static func run(sizes: [Int]) async throws {
        var rows: [[String]] = []
        for size in sizes {
            let dag = DAG.generate(.layered, count: size, seed: 3)
            let graph = try WorkstreamGraph(dag.workstreams)
            let folder = try temporaryFolder("checkpoint")
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let paths = CheckpointPaths(folder: folder, featureID: "B")
            let session = try CheckpointSession.open(graph: graph, paths: paths)
            // Half the graph completed, as in the middle of a run.
            let half = graph.workstreams.prefix(size / 2).map { workstream in
                JournalEntry.attemptFinished(
                    AttemptReport(id: workstream.id, attempt: 1, status: .succeeded, duration: .milliseconds(5)), final: true)
            }
            _ = await session.store.commit(Array(half))
            let repeats = size >= 100_000 ? 3 : 10
            var times: [Double] = []
            for _ in 0..<repeats {
                times.append(await seconds { _ = await session.store.commit([]) })
            }
            let journalBytes = (try? FileManager.default.attributesOfItem(atPath: paths.journal)[.size] as? Int) ?? 0
            let before = journalBytes
            _ = await session.store.commit([half[0]])
            let batchBytes = ((try? FileManager.default.attributesOfItem(atPath: paths.journal)[.size] as? Int) ?? 0) - before
            var folds: [Double] = []
            for _ in 0..<(size >= 100_000 ? 2 : 5) {
                folds.append(await seconds { try? session.store.save() })
            }
            let bytes = (try? FileManager.default.attributesOfItem(atPath: paths.checkpoint)[.size] as? Int) ?? 0
            var blocked: [Double] = []
            for _ in 0..<(size >= 100_000 ? 2 : 5) { blocked.append(await longestRecordDuringFold(session.store)) }
            rows.append([
                "\(size)", format(median(times) * 1000, 2), "\(batchBytes)", format(median(folds) * 1000, 1), "\(bytes)",
                format(median(blocked) * 1000, 2),
            ])
        }
        let floor = try await durableSmallWriteFloor()
        printTable(
            "4. Checkpoint cost by graph size (half completed)",
            [
                "nodes", "batch commit ms (append + fsync)", "batch bytes", "fold ms (full snapshot)", "snapshot bytes",
                "longest record() during a fold, ms",
            ], rows
        )
        print("durable small write floor on this disk (write, fsync, rename, fsync folder): \(format(floor * 1000, 3)) ms")
    }

    /// The longest a `record` call waits while a fold runs on another thread: how long the
    /// dispatcher's loop can be blocked by the checkpoint's lock.
    static func longestRecordDuringFold(_ store: CheckpointStore) async -> Double {
        final class Flag: Sendable { let up = Mutex(true) }
        let folding = Flag()
        return await withTaskGroup(of: Double.self) { group in
            group.addTask {
                try? store.save()
                folding.up.withLock { $0 = false }
                return 0
            }
            group.addTask {
                let clock = ContinuousClock()
                var longest = Duration.zero
                while folding.up.withLock({ $0 }) {
                    let start = clock.now
                    store.record([])
                    longest = max(longest, clock.now - start)
                }
                return longest.inSeconds
            }
            return await group.reduce(0) { max($0, $1) }
        }
    }

    /// The cost of the smallest durable replace: the floor any checkpoint write stands on.
    static func durableSmallWriteFloor() async throws -> Double {
        let folder = try temporaryFolder("floor")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let writer = AtomicFile()
        var times: [Double] = []
        for _ in 0..<50 {
            times.append(await seconds { try? writer.write(Array("{\"x\":1}".utf8), to: "\(folder)/small.json") })
        }
        return median(times)
    }
}
