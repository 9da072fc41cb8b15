/// CI job ids for workstream ids. GitHub wants a job id to start with a letter or `_` and hold
/// only letters, digits, `-` and `_` (`00-052-06` and `a.b` are not job ids); GitLab reserves
/// some top-level names (`image`, `stages`, …) and hides those starting with `.`. Every id is
/// prefixed with `ws-`, other characters become `_`, and ids that then collide (`a.b` and `a_b`,
/// or `A` and `a`: GitHub ignores case) get `-2`, `-3`, … in the order of their workstream ids.
enum CIJobIDs {
    /// The job id of each workstream id.
    static func make(_ ids: [String]) -> [String: String] {
        var taken = Set<String>()
        var result: [String: String] = [:]
        for id in ids.sorted() {
            let base = sanitised(id)
            var candidate = base
            var suffix = 2
            while taken.contains(candidate.lowercased()) {
                candidate = "\(base)-\(suffix)"
                suffix += 1
            }
            taken.insert(candidate.lowercased())
            result[id] = candidate
        }
        return result
    }

    /// `ws-` and `id` with every character but ASCII letters, digits, `-` and `_` made `_`.
    static func sanitised(_ id: String) -> String {
        "ws-" + String(id.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") ? $0 : "_" })
    }
}
