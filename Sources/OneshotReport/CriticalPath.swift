/// The critical path of a run as it happened (as ninjatracing and Bazel's profile show it): from
/// the attempt that ended last (not one still running), back through the dependency that finished last, to a workstream
/// none of whose dependencies ran.
enum CriticalPath {
    /// The path's workstreams, first to last.
    static func of(_ bars: [RunPicture.Bar], dependencies: [String: [String]]) -> [String] {
        var lastEnd: [String: Int64] = [:]
        for bar in bars { lastEnd[bar.id] = max(lastEnd[bar.id] ?? .min, bar.endMS) }
        // From what ended: an attempt still running (or of unknown end) has no place in it yet.
        let ended = bars.filter { $0.outcome != "running" && $0.outcome != "uncertain" }
        guard var current = ended.max(by: { ($0.endMS, $1.id) < ($1.endMS, $0.id) })?.id else { return [] }
        var path = [current]
        var visited: Set<String> = [current]
        while let next = (dependencies[current] ?? [])
            .filter({ lastEnd[$0] != nil && !visited.contains($0) })
            .max(by: { (lastEnd[$0] ?? 0, $1) < (lastEnd[$1] ?? 0, $0) })
        {
            path.append(next)
            visited.insert(next)
            current = next
        }
        return path.reversed()
    }
}
