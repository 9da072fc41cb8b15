import OneshotWorkstreams

extension WorkstreamGraph {
    /// For each node, the length of the longest path from it to the end of the graph, itself
    /// included: the "bottom level" list schedulers use as priority.
    ///
    /// - Parameter weights: the cost of each node (seconds, or 1 each when durations are unknown).
    /// - Returns: one value per node. O(V+E).
    public func remainingCriticalPath(weights: [Double]) -> [Double] {
        var level = [Double](repeating: 0, count: count)
        for node in topologicalOrder.reversed() {
            let longestAfter = dependents[node].reduce(0.0) { max($0, level[$1]) }
            level[node] = weights[node] + longestAfter
        }
        return level
    }

    /// The nodes of a longest path through the graph, first to last.
    ///
    /// - Parameter weights: the cost of each node.
    public func criticalPath(weights: [Double]) -> [Int] {
        let level = remainingCriticalPath(weights: weights)
        guard var node = level.indices.filter({ dependencies[$0].isEmpty }).max(by: { order(level, $0, $1) }) else {
            return []
        }
        var path = [node]
        while let next = dependents[node].max(by: { order(level, $0, $1) }) {
            path.append(next)
            node = next
        }
        return path
    }

    /// Groups nodes into waves: wave k holds the nodes whose longest chain of dependencies has
    /// k links, i.e. what could run together with unlimited workers.
    public func waves() -> [[Int]] {
        var depth = [Int](repeating: 0, count: count)
        for node in topologicalOrder {
            depth[node] = dependencies[node].reduce(0) { max($0, depth[$1] + 1) }
        }
        var result = [[Int]](repeating: [], count: (depth.max() ?? -1) + 1)
        for node in 0..<count { result[depth[node]].append(node) }
        return result
    }

    /// Weights from known durations (seconds by id); unknown nodes get the mean of the known
    /// ones, or 1 when none is known.
    public func weights(knownDurations: [String: Double]) -> [Double] {
        let known = workstreams.compactMap { knownDurations[$0.id] }
        let fallback = known.isEmpty ? 1.0 : known.reduce(0, +) / Double(known.count)
        return workstreams.map { knownDurations[$0.id] ?? fallback }
    }

    /// Orders by level, then prefers the smaller id (node numbers follow ids).
    private func order(_ level: [Double], _ a: Int, _ b: Int) -> Bool {
        level[a] != level[b] ? level[a] < level[b] : a > b
    }
}
