/// Lays attempts on concurrency slots as ninjatracing lays out `.ninja_log`: in start order, each
/// in the lowest slot free at its start, so no slot ever holds two attempts at once and the
/// number of slots is the peak concurrency.
enum SlotPacking {
    /// `bars` in start order (then end, id, attempt), each with its slot; and the slots used.
    static func pack(_ bars: [RunPicture.Bar]) -> (bars: [RunPicture.Bar], slots: Int) {
        var sorted = bars.sorted {
            ($0.startMS, $0.endMS, $0.id, $0.attempt, $0.run) < ($1.startMS, $1.endMS, $1.id, $1.attempt, $1.run)
        }
        // When each slot is free again.
        var freeAt: [Int64] = []
        for index in sorted.indices {
            let bar = sorted[index]
            if let slot = freeAt.firstIndex(where: { $0 <= bar.startMS }) {
                sorted[index].slot = slot
                freeAt[slot] = bar.endMS
            } else {
                sorted[index].slot = freeAt.count
                freeAt.append(bar.endMS)
            }
        }
        return (sorted, freeAt.count)
    }
}
