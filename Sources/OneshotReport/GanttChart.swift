import Foundation
import OneshotCheckpoint

/// The report's Gantt chart: an inline SVG with a lane per concurrency slot and a bar per
/// attempt. Legible from a dozen workstreams to thousands: lanes are packed slots, the chart
/// widens with the number of attempts per lane (the page scrolls), labels are elided to fit
/// their bars, and every bar has a hover `<title>`.
struct GanttChart {
    let picture: RunPicture

    /// Outcomes in legend order; each is a CSS class of its bars.
    static let outcomes = ["succeeded", "failed", "timed_out", "interrupted", "uncertain", "running"]

    private let left = 64.0
    private let top = 34.0
    private let bottom = 8.0

    /// Height of a lane: smaller as lanes multiply.
    private var laneHeight: Double {
        picture.slots <= 24 ? 26 : picture.slots <= 100 ? 14 : 8
    }

    private var plotWidth: Double {
        let perLane = (picture.bars.count + max(picture.slots, 1) - 1) / max(picture.slots, 1)
        // Room for a short label on a bar of average length; the page scrolls sideways.
        return min(max(Double(perLane) * 48, 1000), 24_000)
    }

    private var height: Double { top + Double(max(picture.slots, 1)) * laneHeight + bottom }

    private var axis: TimeAxis {
        var intervals = picture.bars.map { ($0.startMS, $0.endMS) }
        intervals += picture.runs.map { ($0.startMS, $0.endMS ?? $0.startMS) }
        return TimeAxis(intervals: intervals, width: plotWidth)
    }

    /// The chart, in a scrolling `div`.
    var svg: String {
        let axis = self.axis
        let width = left + plotWidth + 16
        var text = "<div class=\"gantt\">\n"
        text += "<svg class=\"gantt-chart\" width=\"\(f(width))\" height=\"\(f(height))\" "
        text += "viewBox=\"0 0 \(f(width)) \(f(height))\" role=\"img\" aria-label=\"attempts over time, one lane per slot\">\n"
        text += runs(axis) + breaks(axis) + breakerPeriods(axis) + lanes() + ticks(axis)
        text += "<g class=\"bars\">\n"
        for bar in picture.bars { text += self.bar(bar, axis) }
        text += "</g>\n" + boundaries(axis) + deadlines(axis)
        return text + "</svg>\n</div>\n"
    }

    private func runs(_ axis: TimeAxis) -> String {
        var text = ""
        let lastEnd = picture.endMS
        for (index, run) in picture.runs.enumerated() {
            let start = x(run.startMS, axis)
            let end = x(run.endMS ?? lastEnd, axis)
            let name = index == 0 ? "run \(run.run)" : "run \(run.run) (resume)"
            let title = "\(name): \(ClockText.time(run.startMS))\u{2013}\(ClockText.time(run.endMS ?? lastEnd))"
            text += "<rect class=\"run \(index % 2 == 0 ? "run-odd" : "run-even")\" x=\"\(f(start))\" y=\"\(f(top - 14))\" "
            text += "width=\"\(f(max(end - start, 1)))\" height=\"\(f(height - top + 14 - bottom))\"><title>"
            text += "\(Markup.escape(title))</title></rect>\n"
            text += "<text class=\"run-label\" x=\"\(f(start + 3))\" y=\"\(f(top - 18))\">\(Markup.escape(name))</text>\n"
        }
        return text
    }

    private func breaks(_ axis: TimeAxis) -> String {
        var text = ""
        for (previous, next) in zip(axis.segments, axis.segments.dropFirst()) {
            let start = left + previous.x + Double(previous.endMS - previous.startMS) * axis.scale
            let title = "\(ClockText.duration(next.startMS - previous.endMS)) with no run (not to scale)"
            text += "<rect class=\"gap\" x=\"\(f(start))\" y=\"\(f(top - 14))\" width=\"\(f(TimeAxis.breakWidth))\" "
            text += "height=\"\(f(height - top + 14 - bottom))\"><title>\(Markup.escape(title))</title></rect>\n"
        }
        return text
    }

    private func breakerPeriods(_ axis: TimeAxis) -> String {
        var text = ""
        for period in picture.breakerOpen {
            let start = x(period.startMS, axis)
            let title = "breaker open \(ClockText.time(period.startMS))\u{2013}\(ClockText.time(period.endMS))"
            text += "<rect class=\"breaker-open\" x=\"\(f(start))\" y=\"\(f(top))\" "
            text += "width=\"\(f(max(x(period.endMS, axis) - start, 2)))\" height=\"\(f(height - top - bottom))\"><title>"
            text += "\(Markup.escape(title))</title></rect>\n"
        }
        return text
    }

    private func lanes() -> String {
        var text = ""
        let every = picture.slots <= 24 ? 1 : picture.slots <= 100 ? 5 : 25
        for slot in 0..<picture.slots {
            let y = top + Double(slot + 1) * laneHeight
            text += "<line class=\"lane\" x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y))\"/>\n"
            if slot % every == 0 {
                let labelY = top + Double(slot) * laneHeight + min(laneHeight - 4, laneHeight / 2 + 4)
                text += "<text class=\"lane-label\" x=\"4\" y=\"\(f(labelY))\">slot \(slot + 1)</text>\n"
            }
        }
        return text
    }

    private func ticks(_ axis: TimeAxis) -> String {
        var text = ""
        let origin = picture.originMS
        for segment in axis.segments {
            let span = segment.endMS - segment.startMS
            let share = Double(span) * axis.scale / plotWidth
            let step = Self.niceStep(Int64(Double(span) / max(1, (8 * share).rounded())))
            var tick = (segment.startMS - origin + step - 1) / step * step + origin
            while tick <= segment.endMS {
                let tickX = x(tick, axis)
                text += "<line class=\"tick\" x1=\"\(f(tickX))\" y1=\"\(f(top - 4))\" x2=\"\(f(tickX))\" y2=\"\(f(top))\"/>\n"
                text += "<text class=\"tick-label\" x=\"\(f(tickX + 2))\" y=\"\(f(top - 5))\">"
                text += "\(ClockText.duration(tick - origin))</text>\n"
                tick += step
            }
        }
        return text
    }

    private func bar(_ bar: RunPicture.Bar, _ axis: TimeAxis) -> String {
        let start = x(bar.startMS, axis)
        let width = max(x(bar.endMS, axis) - start, 1)
        let y = top + Double(bar.slot) * laneHeight + 2
        var classes = "bar \(Markup.escape(bar.outcome))"
        if bar.critical { classes += " critical" }
        if bar.attempt > 1 { classes += " retry" }
        var text = "<rect class=\"\(classes)\" x=\"\(f(start))\" y=\"\(f(y))\" width=\"\(f(width))\" "
        text += "height=\"\(f(laneHeight - 4))\"><title>\(Markup.escape(title(of: bar)))</title></rect>\n"
        let label = bar.attempt > 1 ? "\(bar.id) #\(bar.attempt)" : bar.id
        if laneHeight >= 14, let shown = Markup.elide(label, to: Int((width - 6) / 6.6)) {
            text += "<text class=\"label\" x=\"\(f(start + 3))\" y=\"\(f(y + laneHeight / 2 + 2))\">"
            text += "\(Markup.escape(shown))</text>\n"
        }
        return text
    }

    private func title(of bar: RunPicture.Bar) -> String {
        var parts = ["\(bar.id): attempt \(bar.attempt) (run \(bar.run))", bar.outcome.replacingOccurrences(of: "_", with: " ")]
        if let code = bar.exitCode { parts.append("exit \(code)") }
        parts.append(ClockText.duration(Int64(bar.durationMS)))
        parts.append("\(ClockText.time(bar.startMS))\u{2013}\(ClockText.time(bar.endMS))")
        if let cost = bar.costUSD { parts.append(String(format: "$%.2f", cost)) }
        if bar.critical { parts.append("critical path") }
        return parts.joined(separator: ", ")
    }

    private func boundaries(_ axis: TimeAxis) -> String {
        var text = ""
        for run in picture.runs.dropFirst() {
            let runX = x(run.startMS, axis)
            text += "<line class=\"boundary\" x1=\"\(f(runX))\" y1=\"\(f(top - 14))\" x2=\"\(f(runX))\" "
            text +=
                "y2=\"\(f(height - bottom))\"><title>resume: run \(run.run) started \(ClockText.time(run.startMS))</title></line>\n"
        }
        return text
    }

    private func deadlines(_ axis: TimeAxis) -> String {
        var text = ""
        for run in picture.runs {
            guard let deadline = run.deadlineMS else { continue }
            let deadlineX = x(min(deadline, picture.endMS), axis)
            text += "<line class=\"deadline\" x1=\"\(f(deadlineX))\" y1=\"\(f(top - 14))\" x2=\"\(f(deadlineX))\" "
            text += "y2=\"\(f(height - bottom))\"><title>deadline of run \(run.run): \(ClockText.time(deadline))</title></line>\n"
        }
        return text
    }

    private func x(_ time: Int64, _ axis: TimeAxis) -> Double { left + axis.x(time) }

    /// 1, 2 or 5 times a power of ten milliseconds, at least `approximate`.
    static func niceStep(_ approximate: Int64) -> Int64 {
        var power: Int64 = 1
        while true {
            for factor: Int64 in [1, 2, 5] where factor * power >= max(approximate, 1) { return factor * power }
            power *= 10
        }
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
