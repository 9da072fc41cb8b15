import OneshotDispatch
import OneshotGraph
import OneshotTestSupport
import OneshotWorkstreams
import Synchronization

/// The tests' gate: ``wait()`` suspends until ``open()`` (waiting after it opened returns at
/// once), or until the waiting task is cancelled. The dispatcher's `Latch` is not cancellable, on
/// purpose; a gate that was (as the test's time limit cancels the test) left an executor waiting
/// for good after the limit, the run that awaited it too, and the whole `swift test` hung.
final class Gate: Sendable {
    private let isOpen = Mutex(false)
    private let waiters = ConditionWaiters()

    /// Wakes every waiter, and lets any later one through.
    func open() {
        isOpen.withLock { $0 = true }
        waiters.recheck()
    }

    /// Returns once ``open()`` has been called, or the task is cancelled.
    func wait() async {
        await waiters.wait { self.isOpen.withLock { $0 } }
    }
}

/// Thread-safe append-only log of what the executor and the events saw.
final class Log<Entry: Sendable>: Sendable {
    private let entries = Mutex<[Entry]>([])

    func append(_ entry: Entry) {
        entries.withLock { $0.append(entry) }
    }

    var all: [Entry] { entries.withLock { $0 } }
}

func ws(_ id: String, _ dependencies: [String] = [], retries: Int? = nil, timeout: Duration? = nil, status: String? = nil)
    -> Workstream
{
    Workstream(id: id, dependencies: dependencies, timeout: timeout, retries: retries, declaredStatus: status)
}

func graph(_ workstreams: [Workstream]) throws -> WorkstreamGraph {
    try WorkstreamGraph(workstreams)
}

/// A layered random DAG (seeded): `layers` × `width` nodes, each with 1–3 dependencies in the layer above.
func layeredGraph(layers: Int, width: Int, seed: UInt64) throws -> WorkstreamGraph {
    var random = SeededRandom(seed: seed)
    var workstreams: [Workstream] = []
    for layer in 0..<layers {
        for index in 0..<width {
            var dependencies: Set<String> = []
            if layer > 0 {
                for _ in 0..<Int.random(in: 1...3, using: &random) {
                    dependencies.insert("L\(layer - 1)-\(Int.random(in: 0..<width, using: &random))")
                }
            }
            workstreams.append(ws("L\(layer)-\(index)", dependencies.sorted()))
        }
    }
    return try WorkstreamGraph(workstreams)
}
