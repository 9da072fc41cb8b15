import OneshotWorkstreams

/// A feature's workstreams as a validated DAG: nodes, edges (node → dependents), indegrees and a
/// topological order, all indexed by integer node numbers for O(V+E) work.
///
/// Building one rejects duplicate ids, self-dependencies, missing dependencies and cycles, with
/// every problem named; a graph that exists is runnable.
public struct WorkstreamGraph: Sendable {
    /// The workstreams, sorted by id; a node number is an index into this array.
    public let workstreams: [Workstream]
    /// Node number of each id.
    public let indexByID: [String: Int]
    /// For each node, the nodes it depends on (inside the feature).
    public let dependencies: [[Int]]
    /// For each node, the nodes that depend on it: the edges.
    public let dependents: [[Int]]
    /// A topological order (Kahn's algorithm; ties by id).
    public let topologicalOrder: [Int]

    /// The number of nodes.
    public var count: Int { workstreams.count }

    /// For each node, its number of dependencies inside the feature.
    public var indegrees: [Int] { dependencies.map(\.count) }

    /// Builds and validates the graph.
    ///
    /// - Parameters:
    ///   - workstreams: the feature's workstreams.
    ///   - satisfiedExternally: ids outside the feature known to be done; depending on one is allowed.
    /// - Throws: ``InputErrors`` listing duplicate ids (both files), self-dependencies, missing
    ///   dependencies, and a dependency cycle spelled out with the files involved.
    public init(_ workstreams: [Workstream], satisfiedExternally: Set<String> = []) throws(InputErrors) {
        let sorted = workstreams.sorted { $0.id < $1.id }
        var errors: [InputError] = []
        var index: [String: Int] = [:]
        index.reserveCapacity(sorted.count)
        for (number, workstream) in sorted.enumerated() {
            if let first = index[workstream.id] {
                errors.append(
                    InputError(
                        "duplicate ws_id \(workstream.id): also declared in \(sorted[first].source?.description ?? "code")",
                        at: workstream.source
                    ))
            } else {
                index[workstream.id] = number
            }
        }
        var dependencies = [[Int]](repeating: [], count: sorted.count)
        var dependents = [[Int]](repeating: [], count: sorted.count)
        for (number, workstream) in sorted.enumerated() where index[workstream.id] == number {
            var seen: Set<Int> = []
            for dependency in workstream.dependencies {
                if dependency == workstream.id {
                    errors.append(InputError("workstream \(workstream.id) depends on itself", at: workstream.source))
                } else if let target = index[dependency] {
                    if seen.insert(target).inserted {
                        dependencies[number].append(target)
                        dependents[target].append(number)
                    }
                } else if !satisfiedExternally.contains(dependency) {
                    errors.append(
                        InputError(
                            "workstream \(workstream.id) depends on \(dependency), which is not a workstream of this feature",
                            at: workstream.source
                        ))
                }
            }
        }
        if !errors.isEmpty { throw InputErrors(errors) }
        self.workstreams = sorted
        self.indexByID = index
        self.dependencies = dependencies
        self.dependents = dependents
        let order = Self.kahn(dependencies: dependencies, dependents: dependents)
        if order.count < sorted.count {
            throw InputErrors([Self.cycleError(sorted, dependencies: dependencies, ordered: order)])
        }
        self.topologicalOrder = order
    }

    /// The node number of `id`, if the feature has it.
    public func node(_ id: String) -> Int? { indexByID[id] }

    /// Kahn's algorithm. Node numbers follow id order, so a FIFO over ascending numbers is
    /// deterministic without a heap.
    private static func kahn(dependencies: [[Int]], dependents: [[Int]]) -> [Int] {
        var remaining = dependencies.map(\.count)
        var order: [Int] = []
        order.reserveCapacity(remaining.count)
        for node in remaining.indices where remaining[node] == 0 { order.append(node) }
        var head = 0
        while head < order.count {
            let node = order[head]
            head += 1
            for dependent in dependents[node] {
                remaining[dependent] -= 1
                if remaining[dependent] == 0 { order.append(dependent) }
            }
        }
        return order
    }

    /// How many workstreams of a cycle its error names.
    static let cycleNamesShown = 8

    /// Spells out one cycle among the nodes Kahn could not order. Each such node still has a
    /// dependency among them, so following dependencies must come back to a node already seen.
    private static func cycleError(_ workstreams: [Workstream], dependencies: [[Int]], ordered: [Int]) -> InputError {
        var isOrdered = [Bool](repeating: false, count: workstreams.count)
        for node in ordered { isOrdered[node] = true }
        let stuck = workstreams.indices.filter { !isOrdered[$0] }
        var position: [Int: Int] = [:]
        var path: [Int] = []
        var node = stuck[0]
        while position[node] == nil {
            position[node] = path.count
            path.append(node)
            node = dependencies[node].first { !isOrdered[$0] } ?? node
        }
        let cycle = Array(path[(position[node] ?? 0)...]) + [node]
        // A cycle through thousands of workstreams would make a line of tens of kilobytes: the
        // first few are named, with their files, and the rest counted.
        let named = cycle.count - 1 > cycleNamesShown ? Array(cycle.prefix(cycleNamesShown)) : cycle
        var names = named.map { workstreams[$0].id }.joined(separator: " → ")
        if named.count < cycle.count {
            names += " → … and \(cycle.count - 1 - named.count) more → \(workstreams[node].id)"
        }
        let files = Set(named.compactMap { workstreams[$0].source?.file }).sorted()
        var message = "dependency cycle: \(names) (each depends on the next)"
        if !files.isEmpty { message += "; files: \(files.joined(separator: ", "))" }
        if stuck.count > cycle.count - 1 {
            message += "; \(stuck.count) workstreams in all are caught in or behind cycles"
        }
        return InputError(message)
    }
}
