import Foundation
import OneshotCheckpoint
import OneshotSystem

/// A ``RunPicture`` as one self-contained HTML page: no network, no script, no font to fetch —
/// inline SVG and CSS, readable with JavaScript off. A header (feature, result, runs, time,
/// cost, the command to resume), a Gantt chart of every attempt across the runs (coloured by
/// outcome, retries marked, the critical path outlined, runs and breaker-open periods shaded,
/// the deadline drawn), and a table of the workstreams with the last lines of failed logs.
///
/// The page is also well-formed XML (every element closed, only XML's entities, text escaped
/// as markup requires), so a strict parser reads it: ids and log lines stay text whatever they hold.
public struct HTMLReport: Sendable {
    /// The picture to draw.
    public var picture: RunPicture
    /// Each workstream's log path, shown in the table.
    public var logPath: @Sendable (String) -> String
    /// The last lines of the logs of failed workstreams, by id.
    public var logTails: [String: [String]]
    /// The command that resumes the run, shown when it is unfinished.
    public var resumeCommand: String
    /// When the page is written.
    public var generatedAt: Date

    /// Creates a report.
    public init(
        picture: RunPicture, logPath: @escaping @Sendable (String) -> String, logTails: [String: [String]] = [:],
        resumeCommand: String? = nil, generatedAt: Date = Date()
    ) {
        self.picture = picture
        self.logPath = logPath
        self.logTails = logTails
        self.resumeCommand = resumeCommand ?? "oneshot \(picture.featureID)"
        self.generatedAt = generatedAt
    }

    /// The page.
    public var html: String {
        let title = Markup.escape("oneshot \(picture.featureID): \(picture.result)")
        var page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
        page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        page += "<title>\(title)</title>\n<style>\n\(Self.style)</style>\n</head>\n<body>\n"
        page += header
        page += "<section class=\"timeline\">\n<h2>Timeline</h2>\n"
        page += GanttChart(picture: picture).svg
        page += legend
        page += "</section>\n"
        page += table
        page += "</body>\n</html>\n"
        return page
    }

    private var header: String {
        let result = Markup.escape(picture.result)
        var text = "<header>\n<h1>oneshot report: \(Markup.escape(picture.featureID))"
        text += " <span class=\"result \(result)\">\(result)</span></h1>\n<dl class=\"summary\">\n"
        let attempts = picture.bars.filter { $0.outcome != "running" && $0.outcome != "uncertain" }.count
        let items = [
            ("feature", picture.featureID), ("result", picture.result), ("runs", "\(picture.runCount)"),
            ("total time", ClockText.duration(Int64(picture.elapsedMS))), ("attempts", "\(attempts)"),
            ("cost", String(format: "$%.2f", picture.costUSD)),
            ("critical path", picture.criticalPath.isEmpty ? "-" : picture.criticalPath.joined(separator: " \u{2192} ")),
            ("written", RFC3339.format(generatedAt)),
        ]
        for (name, value) in items {
            text += "<div><dt>\(name)</dt><dd>\(Markup.escape(value))</dd></div>\n"
        }
        text += "</dl>\n"
        if !picture.finished && picture.result != "running" {
            text += "<p class=\"resume\">Not finished: run <code>\(Markup.escape(resumeCommand))</code> to resume.</p>\n"
        }
        return text + "</header>\n"
    }

    private var legend: String {
        var text = "<p class=\"legend\">"
        for outcome in GanttChart.outcomes {
            text +=
                "<span class=\"key\"><span class=\"swatch \(outcome)\"></span>\(outcome.replacingOccurrences(of: "_", with: " "))</span> "
        }
        text += "<span class=\"key\"><span class=\"swatch critical\"></span>critical path</span> "
        text += "<span class=\"key\"><span class=\"swatch breaker-open\"></span>breaker open</span> "
        text += "<span class=\"key\"><span class=\"swatch run-odd\"></span>runs (shaded in turn)</span> "
        text += "<span class=\"key\"><span class=\"swatch retry\"></span>a retry (attempt 2 or later)</span>"
        return text + "</p>\n"
    }

    private var table: String {
        var text = "<section class=\"workstreams\">\n<h2>Workstreams</h2>\n<table>\n<thead><tr>"
        text += "<th>workstream</th><th>state</th><th class=\"number\">attempts</th><th class=\"number\">time</th>"
        text += "<th class=\"number\">cost</th><th>last lines of a failed log</th>"
        text += "</tr></thead>\n<tbody>\n"
        let critical = Set(picture.criticalPath)
        for row in picture.rows {
            text += tableRow(row, critical: critical.contains(row.id))
        }
        return text + "</tbody>\n</table>\n</section>\n"
    }

    private func tableRow(_ row: RunPicture.Row, critical: Bool) -> String {
        let id = Markup.escape(row.id)
        var state = Markup.escape(row.state)
        if let blockedBy = row.blockedBy { state += " (by \(Markup.escape(blockedBy)))" }
        var text = "<tr class=\"state-\(Markup.escape(row.state))\(critical ? " critical" : "")\">"
        text += "<td class=\"id\">\(id)</td><td class=\"state\">\(state)</td><td class=\"number\">\(row.attempts)</td>"
        text += "<td class=\"number\">\(row.attempts > 0 ? ClockText.duration(Int64(row.durationMS)) : "-")</td>"
        text += "<td class=\"number\">\(row.costUSD.map { String(format: "$%.2f", $0) } ?? "-")</td><td>"
        if let tail = logTails[row.id], !tail.isEmpty {
            text += "<div class=\"log-path\">\(Markup.escape(logPath(row.id)))</div>"
            text += "<pre>\(Markup.escape(tail.joined(separator: "\n")))</pre>"
        }
        return text + "</td></tr>\n"
    }
}
