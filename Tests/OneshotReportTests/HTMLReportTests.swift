import Foundation
import OneshotCheckpoint
import Testing

@testable import OneshotReport

/// The HTML report, read back by a strict parser.
@Suite struct HTMLReportTests {
    private func html(_ checkpoint: Checkpoint = Samples.checkpoint(), tails: [String: [String]] = [:]) -> String {
        let picture = RunPicture(checkpoint: checkpoint, runInProgress: false)
        return HTMLReport(picture: picture, logPath: { ".sdp/logs/F1/\($0).log" }, logTails: tails).html
    }

    @Test func isWellFormedWithOneBarPerAttemptOfItsOutcome() throws {
        let checkpoint = Samples.checkpoint()
        let page = try StrictMarkup.parse(html(checkpoint))
        let bars = page.elements("rect", classes: ["bar"])
        let spans = try #require(checkpoint.timeline?.attempts)
        #expect(bars.count == spans.count + 1, "every attempt, and the one in flight")
        let classes = bars.map { Set(($0.attributes["class"] ?? "").split(separator: " ").map(String.init)) }
        for span in spans {
            let count = classes.filter { $0.contains(span.status) }.count
            #expect(count == spans.filter { $0.status == span.status }.count, "bars of outcome \(span.status)")
        }
        #expect(classes.filter { $0.contains("uncertain") }.count == 1)
        #expect(classes.filter { $0.contains("retry") }.count == 2, "attempts 2 and 3 of c")
        #expect(classes.filter { $0.contains("critical") }.count == 5, "every attempt of a, c and d")
        #expect(page.elements("rect", classes: ["breaker-open"]).count == 1)
        #expect(page.elements("rect", classes: ["run"]).count == 2)
        #expect(page.elements("rect", classes: ["gap"]).count == 1, "the hour between the runs is cut out")
        #expect(page.elements("line", classes: ["boundary"]).count == 1)
        #expect(page.elements("line", classes: ["deadline"]).count == 1)
        #expect(page.elements("rect", classes: ["bar"]).allSatisfy { Double($0.attributes["width"] ?? "0") ?? 0 >= 1 })
    }

    @Test func everyBarHasAHoverTitleAndTheHeaderSaysHowToResume() throws {
        let page = try StrictMarkup.parse(html())
        let titles = page.elements("title").map(\.text)
        #expect(titles.contains { $0.hasPrefix("c: attempt 2 (run 1), timed out") })
        #expect(titles.contains { $0.hasPrefix("d: attempt 1 (run 2), failed, exit 3") })
        let resume = try #require(page.elements("p", classes: ["resume"]).first)
        #expect(page.elements("code").contains { $0.text == "oneshot F1" })
        #expect(resume.text.contains("to resume"))
        #expect(page.elements("span", classes: ["result"]).first?.text == "failed")
    }

    @Test func idsAndLogLinesStayTextAndNothingIsFetched() throws {
        let hostile = Samples.hostile
        let tails = ["d": ["compiling", hostile, "\u{1B}[31merror\u{1B}[0m & bell\u{07}", "cr\r", "done"]]
        let text = html(Samples.checkpoint(hostileID: true), tails: tails)
        let page = try StrictMarkup.parse(text)
        #expect(page.elements("script").isEmpty)
        #expect(!text.contains("<script"))
        #expect(page.elements("pre").first?.text.contains(hostile) == true)
        #expect(page.elements("td", classes: ["id"]).contains { $0.text == hostile })
        #expect(page.elements("title").contains { $0.text.hasPrefix("\(hostile): attempt 1") })
        #expect(page.elements("div", classes: ["log-path"]).first?.text == ".sdp/logs/F1/d.log")
        #expect(text.range(of: "http", options: .caseInsensitive) == nil)
        #expect(text.range(of: "url(", options: .caseInsensitive) == nil)
        #expect(text.range(of: "src=", options: .caseInsensitive) == nil)
    }

    @Test func staysLegibleForAThousandWorkstreams() throws {
        var checkpoint = Checkpoint(featureID: "F2", timestamp: "2026-11-29T12:10:00Z")
        var spans: [RunTimeline.Span] = []
        for index in 0..<1000 {
            // Eight at a time, 2 to 4 s each.
            let start = Int64(index / 8) * 4_000 + Int64(index % 8) * 10
            spans.append(Samples.span("00-900-\(index)", 1, run: 1, at: start, ms: 2_000 + (index * 37) % 2_000, "succeeded"))
        }
        checkpoint.completed = spans.map(\.id)
        checkpoint.timeline = RunTimeline(
            runs: [RunTimeline.Run(run: 1, startMS: Samples.t0, endMS: Samples.t0 + 500_000)], attempts: spans)
        let text = html(checkpoint)
        let page = try StrictMarkup.parse(text)
        #expect(page.elements("rect", classes: ["bar"]).count == 1000)
        #expect(page.elements("tr", classes: ["state-completed"]).count == 1000)
        let svg = try #require(page.elements("svg").first)
        #expect(Double(svg.attributes["height"] ?? "") ?? 0 < 400, "eight lanes, not a thousand")
        let labels = page.elements("text", classes: ["label"])
        #expect(labels.allSatisfy { $0.text.count <= "00-900-999".count })
        #expect(labels.contains { $0.text.hasSuffix("\u{2026}") } || labels.count == 1000)
        #expect(text.utf8.count < 1_500_000)
    }

    @Test func controlCharactersBecomeVisibleStandIns() {
        #expect(Markup.escape("a\u{1B}b\u{07}\r&<>\"'") == "a\u{241B}b\u{2407}\u{240D}&amp;&lt;&gt;&quot;&#39;")
        #expect(Markup.elide("00-052-01", to: 5) == "00-0\u{2026}")
        #expect(Markup.elide("ab", to: 5) == "ab")
        #expect(Markup.elide("abc", to: 1) == nil)
    }
}
