/// Maps times to x coordinates for the Gantt chart. The hours between two runs, when nothing
/// ran, are cut out and drawn as a narrow break, so that a resume the next morning does not
/// squeeze the runs themselves into a few pixels.
struct TimeAxis {
    /// A stretch of time drawn to scale, ms since the epoch, and where it starts on the axis.
    struct Segment: Equatable {
        var startMS: Int64
        var endMS: Int64
        var x: Double
    }

    /// Width of a break between two segments, in pixels.
    static let breakWidth = 14.0
    /// Gaps shorter than this are drawn to scale.
    static let shortestBreakMS: Int64 = 5_000

    private(set) var segments: [Segment] = []
    /// Pixels per millisecond within a segment.
    private(set) var scale = 1.0
    /// The axis's length, in pixels.
    let width: Double

    /// An axis of `width` pixels over `intervals` (runs and attempts; they may overlap).
    init(intervals: [(Int64, Int64)], width: Double) {
        self.width = width
        let covered = Self.merge(intervals)
        guard !covered.isEmpty else { return }
        let drawnMS = covered.reduce(Int64(0)) { $0 + ($1.1 - $1.0) }
        let breaks = Double(covered.count - 1) * Self.breakWidth
        scale = max(width - breaks, 1) / Double(max(drawnMS, 1))
        var x = 0.0
        for (start, end) in covered {
            segments.append(Segment(startMS: start, endMS: end, x: x))
            x += Double(end - start) * scale + Self.breakWidth
        }
    }

    /// The x of `time`; a time in a break is drawn at the break's start.
    func x(_ time: Int64) -> Double {
        guard let segment = segments.last(where: { $0.startMS <= time }) ?? segments.first else { return 0 }
        let offset = Double(min(max(time, segment.startMS), segment.endMS) - segment.startMS)
        return segment.x + offset * scale
    }

    /// Overlapping or close intervals merged, in order.
    private static func merge(_ intervals: [(Int64, Int64)]) -> [(Int64, Int64)] {
        var merged: [(Int64, Int64)] = []
        for (start, end) in intervals.sorted(by: { $0.0 < $1.0 }) {
            if let last = merged.last, start <= last.1 + shortestBreakMS {
                merged[merged.count - 1].1 = max(last.1, end)
            } else {
                merged.append((start, max(start, end)))
            }
        }
        return merged
    }
}
