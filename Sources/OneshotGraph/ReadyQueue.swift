/// The ready workstreams, highest priority first: a binary heap of node numbers ordered by a
/// precomputed rank (0 = most urgent). Push and pop are O(log n).
public struct ReadyQueue: Sendable {
    private var heap: [Int] = []
    private let rank: [Int]

    /// Creates an empty queue.
    ///
    /// - Parameter rank: for each node, its position in priority order (lower runs first).
    public init(rank: [Int]) {
        self.rank = rank
    }

    /// Whether no node is ready.
    public var isEmpty: Bool { heap.isEmpty }

    /// The number of ready nodes.
    public var count: Int { heap.count }

    /// The most urgent node, left in the queue.
    public var peek: Int? { heap.first }

    /// The priority rank of `node` (lower runs first).
    public func rank(of node: Int) -> Int { rank[node] }

    /// Adds a node.
    public mutating func push(_ node: Int) {
        heap.append(node)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard rank[heap[child]] < rank[heap[parent]] else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes every node, keeping the storage for the next ones.
    public mutating func removeAll() {
        heap.removeAll(keepingCapacity: true)
    }

    /// Removes and returns the most urgent node, if any.
    public mutating func pop() -> Int? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(from: 0)
        }
        return top
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var best = parent
            if left < heap.count, rank[heap[left]] < rank[heap[best]] { best = left }
            if right < heap.count, rank[heap[right]] < rank[heap[best]] { best = right }
            if best == parent { return }
            heap.swapAt(parent, best)
            parent = best
        }
    }
}

extension WorkstreamGraph {
    /// Priority ranks for a ``ReadyQueue``: the longest remaining critical path first, ties by id.
    ///
    /// - Parameter weights: the cost of each node.
    public func priorityRanks(weights: [Double]) -> [Int] {
        let level = remainingCriticalPath(weights: weights)
        let order = (0..<count).sorted { level[$0] != level[$1] ? level[$0] > level[$1] : $0 < $1 }
        var rank = [Int](repeating: 0, count: count)
        for (position, node) in order.enumerated() { rank[node] = position }
        return rank
    }
}
