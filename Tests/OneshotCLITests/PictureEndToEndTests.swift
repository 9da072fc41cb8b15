import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `oneshot trace`, `oneshot report`, `--trace` and `--report` through the binary, on a run with
/// retries, a breaker trip, a failure and a resume, checked against the `--json` events of the
/// attempts themselves.
@Suite(.timeLimit(.minutes(2))) struct PictureEndToEndTests {
    /// w1–w3: the first three attempts of any of them fail (a flaky API: the breaker trips, then
    /// the retries succeed); `bad` fails while `marker` exists, printing a hostile line; `last`
    /// waits for `bad` and `w2`.
    private func feature(_ project: TemporaryProject) throws {
        let flaky = "n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > count; sleep 0.1; [ $n -gt 3 ]"
        for id in ["w1", "w2", "w3"] { try project.workstream("F9", id, run: flaky) }
        try project.workstream(
            "F9", "bad", depends: ["w1"],
            run: "sleep 0.1; if [ -f marker ]; then echo '<script>alert(1)</script>'; exit 3; fi; echo fixed",
            extra: "retries: 0\n")
        try project.workstream("F9", "last", depends: ["bad", "w2"], run: "sleep 0.1")
        try project.write("marker", "")
    }

    private let flags = ["-j", "1", "--retries", "1", "--breaker-timeout", "0.3s", "--breaker-max-backoff", "1s", "--json"]

    /// `(id, attempt, status, duration_ms)` of every `ws_finished` event.
    private func finished(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").compactMap { line in
            guard let event = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                event["event"] as? String == "ws_finished"
            else { return nil }
            return "\(event["ws_id"] ?? "") #\(event["attempt"] ?? "") \(event["status"] ?? "") \(event["duration_ms"] ?? "")ms"
        }.sorted()
    }

    /// The same of every complete event of a trace.
    private func attempts(_ trace: String) throws -> [String] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(trace.utf8)) as? [String: Any])
        let events = try #require(object["traceEvents"] as? [[String: Any]])
        return events.filter { $0["ph"] as? String == "X" }.map { event in
            let args = event["args"] as? [String: Any] ?? [:]
            return
                "\(event["name"] ?? "") #\(args["attempt"] ?? "") \(args["outcome"] ?? "") \((event["dur"] as? Int ?? -1) / 1000)ms"
        }.sorted()
    }

    private func instants(_ trace: String) throws -> [String] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(trace.utf8)) as? [String: Any])
        return (object["traceEvents"] as? [[String: Any]] ?? []).filter { $0["ph"] as? String == "i" }.compactMap {
            $0["name"] as? String
        }
    }

    @Test func theTraceAndTheReportShowEveryAttemptOfBothRuns() async throws {
        let project = try TemporaryProject()
        try feature(project)
        let first = try await OneshotBinary.run(["F9", "--report"] + flags, in: project.path)
        #expect(first.exitCode == 1, "\(first.stdout)\n\(first.stderr)")
        let firstAttempts = finished(first.stdout)
        #expect(firstAttempts.contains { $0.hasPrefix("bad #1 failed") })
        #expect(firstAttempts.filter { $0.contains("#2 succeeded") }.count == 3, "the three retries: \(firstAttempts)")
        #expect(first.stderr.contains("report: .sdp/reports/F9.html"))

        // Between the runs: the checkpoint (and its journal) is the source.
        let between = try await OneshotBinary.run(["trace", "F9"], in: project.path)
        #expect(between.exitCode == 0, "\(between.stderr)")
        #expect(try attempts(between.stdout) == firstAttempts)
        #expect(try instants(between.stdout).contains("breaker open"))

        let report = try #require(project.read(".sdp/reports/F9.html"))
        try checkReport(report, bars: firstAttempts.count)

        try FileManager.default.removeItem(atPath: project.file("marker"))
        let second = try await OneshotBinary.run(["F9", "--report", "--trace", "F9.trace.json"] + flags, in: project.path)
        #expect(second.exitCode == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(second.stderr.contains("report: .sdp/reports/F9.html"), "a resumed run writes its report")
        #expect(second.stderr.contains("trace: F9.trace.json"))
        let all = (firstAttempts + finished(second.stdout)).sorted()
        let written = try #require(project.read("F9.trace.json"))
        #expect(try attempts(written) == all)
        // After the success: the history is the source, and holds both runs.
        let fromHistory = try await OneshotBinary.run(["trace", "F9", "-o", "history.json"], in: project.path)
        #expect(fromHistory.exitCode == 0, "\(fromHistory.stderr)")
        let history = try #require(project.read("history.json"))
        #expect(try attempts(history) == all)
        let marks = try instants(history)
        for mark in ["run 1 started", "resume: run 2 started", "breaker open", "breaker closed"] {
            #expect(marks.contains(mark), "\(mark) in \(marks)")
        }
        let page = try await OneshotBinary.run(["report", "F9", "-o", "-"], in: project.path)
        #expect(page.exitCode == 0)
        try checkReport(page.stdout, bars: all.count, failedLog: false)
    }

    @Test func withoutReportNothingIsWrittenAndNothingToDrawIsExit5() async throws {
        let project = try TemporaryProject()
        // As `oneshot F9` says: no folder is no feature (2), not a feature that never ran (5).
        for kind in ["report", "trace"] {
            let noFeature = try await OneshotBinary.run([kind, "F9"], in: project.path)
            #expect(noFeature.exitCode == 2)
            #expect(noFeature.stderr == "oneshot: error: no such feature F9: folder features/F9 does not exist\n")
        }
        try project.workstream("F9", "a", run: "exit 1")
        let never = try await OneshotBinary.run(["report", "F9"], in: project.path)
        #expect(never.exitCode == 5)
        #expect(never.stderr.contains("no checkpoint and no history for F9"))
        let failed = try await OneshotBinary.run(["F9"], in: project.path)
        #expect(failed.exitCode == 1)
        #expect(!failed.stdout.contains("report:") && !failed.stderr.contains("report:"))
        #expect(!FileManager.default.fileExists(atPath: project.file(".sdp/reports")))
        try project.write(".sdp/config.yml", "report: auto\n")
        let auto = try await OneshotBinary.run(["F9"], in: project.path)
        #expect(auto.stdout.contains("report: .sdp/reports/F9.html"))
        #expect(FileManager.default.fileExists(atPath: project.file(".sdp/reports/F9.html")))
        let unwritable = try await OneshotBinary.run(["trace", "F9", "-o", "/proc/nowhere/x.json"], in: project.path)
        #expect(unwritable.exitCode == 2)
        #expect(unwritable.stderr.contains("cannot write /proc/nowhere/x.json"))
    }

    @Test func outputPathsThatAreNotPlainFilesAreNamedOrWrittenThroughNeverCrashOrReplaced() async throws {
        let project = try TemporaryProject()
        try project.workstream("F9", "a", run: "exit 1")
        _ = try await OneshotBinary.run(["F9"], in: project.path)
        try FileManager.default.createDirectory(atPath: project.file("folder"), withIntermediateDirectories: true)
        for (output, problem) in [
            ("", "option -o needs a value"), ("folder/", "cannot write folder/: it names a folder"),
            ("folder", "cannot write folder: it is a folder"),
        ] {
            let result = try await OneshotBinary.run(["report", "F9", "-o", output], in: project.path)
            #expect(result.exitCode == 2 && result.stderr.contains(problem), "-o '\(output)': \(result.stderr)")
        }
        // As /dev/stdout is: renaming a new file over the link would replace the device's link.
        try FileManager.default.createSymbolicLink(atPath: project.file("device"), withDestinationPath: "/dev/null")
        let device = try await OneshotBinary.run(["trace", "F9", "-o", "device"], in: project.path)
        #expect(device.exitCode == 0, "\(device.stderr)")
        let kind = try FileManager.default.attributesOfItem(atPath: project.file("device"))[.type] as? FileAttributeType
        #expect(kind == .typeSymbolicLink, "the link to the device is still there")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: project.file("device")) == "/dev/null")
    }

    /// A path the user names in a folder that does not exist is refused with one line, as
    /// `export -o` does; only oneshot's own `.sdp/reports` is created. Before, `trace -o` and
    /// `--trace` made the missing folders (a typo made a tree of folders somewhere).
    @Test func anOutputInAFolderThatDoesNotExistIsRefused() async throws {
        let project = try TemporaryProject()
        try project.workstream("F9", "a", run: "exit 1")
        _ = try await OneshotBinary.run(["F9"], in: project.path)
        for command in [["trace", "F9", "-o"], ["report", "F9", "-o"], ["export", "F9", "--format", "gitlab-ci", "-o"]] {
            let result = try await OneshotBinary.run(command + ["missing/deeper/out.json"], in: project.path)
            #expect(result.exitCode == 2, "\(command): \(result.stderr)")
            // `export` names the path it resolved from where oneshot was started.
            let shown = command[0] == "export" ? project.path + "/missing/deeper" : "missing/deeper"
            #expect(
                result.stderr == "oneshot: error: cannot write \(shown)/out.json: folder \(shown) does not exist\n", "\(command)")
        }
        let run = try await OneshotBinary.run(["F9", "--trace", "missing/t.json"], in: project.path)
        #expect(run.exitCode == 1, "the run's outcome stands")
        #expect(
            run.stderr.contains("oneshot: warning: cannot write missing/t.json: folder missing does not exist\n"), "\(run.stderr)"
        )
        #expect(!FileManager.default.fileExists(atPath: project.file("missing")))
        let report = try await OneshotBinary.run(["report", "F9"], in: project.path)
        #expect(report.exitCode == 0 && report.stdout == "report: .sdp/reports/F9.html\n", "its own folder is made")
    }

    private func checkReport(_ text: String, bars: Int, failedLog: Bool = true) throws {
        let parser = XMLParser(data: Data(text.utf8))
        let counter = BarCounter()
        parser.delegate = counter
        #expect(parser.parse(), "not well-formed: line \(parser.lineNumber): \(String(describing: parser.parserError))")
        #expect(counter.bars == bars)
        #expect(counter.scripts == 0)
        if failedLog {
            #expect(counter.preText.contains("<script>alert(1)</script>"), "the failed log's last lines, as text")
        }
        #expect(text.range(of: "http", options: .caseInsensitive) == nil)
    }
}

/// Counts the bars and `script` elements of a report, and collects the text of its `pre`s.
private final class BarCounter: NSObject, XMLParserDelegate {
    var bars = 0
    var scripts = 0
    var preText = ""
    private var inPre = false

    func parser(
        _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if elementName == "rect", (attributes["class"] ?? "").split(separator: " ").contains("bar") { bars += 1 }
        if elementName == "script" { scripts += 1 }
        if elementName == "pre" { inPre = true }
    }

    func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
        if elementName == "pre" { inPre = false }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inPre { preText += string }
    }
}
