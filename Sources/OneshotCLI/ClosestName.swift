/// The known name a mistyped one was probably meant to be: an option for an unknown option, a
/// workstream id for an unknown id.
enum ClosestName {
    /// The name among `names` within a few edits of `name` (at most a third of its length, and
    /// at most 3), the nearest first and alphabetically among equals; `nil` when none is close.
    /// Not every character of it: `x` is not a typo of `a`.
    static func closest(to name: String, among names: [String]) -> String? {
        let limit = max(1, min(3, name.count / 3))
        let scored = names.map { ($0, editDistance($0, name)) }.filter { $0.1 <= limit && $0.1 < max($0.0.count, name.count) }
        return scored.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }?.0
    }

    /// Levenshtein distance, by characters.
    private static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(1, a.count) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...max(1, b.count) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}
