import Foundation
import OneshotCheckpoint
import Testing

@testable import OneshotReport

/// The report as a browser draws it: headless Chromium renders it to a PNG, a small stdlib-only
/// Python decoder reads the pixels. CI installs Chromium (`.ci/run`); without it the test says
/// so and skips.
@Suite(.timeLimit(.minutes(2))) struct ScreenshotTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }
    static let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Each outcome's fill (HTMLReport+Style): `RRGGBB`.
    static let colours = ["succeeded": "2f9e44", "failed": "e03131", "timed_out": "f08c00", "uncertain": "9c36b5"]

    @Test(.enabled(if: chromium != nil && python != nil, "needs chromium and python3: apt-get install -y chromium"))
    func theGanttChartIsDrawnInTheOutcomesColours() throws {
        let folder = NSTemporaryDirectory() + "oneshot-screenshot-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let picture = RunPicture(checkpoint: Samples.checkpoint(), runInProgress: false)
        let page = HTMLReport(picture: picture, logPath: { ".sdp/logs/F1/\($0).log" }, logTails: ["d": ["boom"]]).html
        try Data(page.utf8).write(to: URL(fileURLWithPath: folder + "/F1.html"))
        let png = folder + "/F1.png"
        let (status, output) = try run(
            try #require(Self.chromium),
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,480",
                "--screenshot=\(png)", "file://\(folder)/F1.html",
            ])
        #expect(status == 0, "chromium: \(output)")
        try Data(Self.decoder.utf8).write(to: URL(fileURLWithPath: folder + "/runs.py"))
        let (decoded, report) = try run(try #require(Self.python), [folder + "/runs.py", png] + Self.colours.values.sorted())
        #expect(decoded == 0, "decoder: \(report)")
        let figures = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Int], "\(report)")
        #expect(figures["width"] == 1200)
        // Not blank: a page of mostly white with a chart on it.
        #expect((figures["nonwhite"] ?? 0) > 20_000, "\(figures)")
        // A legend swatch is 14 px wide: a longer run of a colour is a bar of the chart.
        for (outcome, colour) in Self.colours {
            #expect((figures[colour] ?? 0) >= 24, "no bar of \(outcome) (#\(colour)) drawn: \(figures)")
        }
    }

    /// Runs `tool` to its end; its status and what it printed.
    private func run(_ tool: String, _ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// Reads an 8-bit RGB(A) PNG with the standard library (zlib) and prints, as JSON, its width,
    /// how many pixels are not white, and for each colour given the longest horizontal run of it.
    static let decoder = #"""
        import json, struct, sys, zlib
        data = open(sys.argv[1], "rb").read()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
        pos, idat = 8, b""
        while pos < len(data):
            length, kind = struct.unpack(">I4s", data[pos:pos + 8])
            body = data[pos + 8:pos + 8 + length]
            if kind == b"IHDR":
                width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            elif kind == b"IDAT":
                idat += body
            pos += 12 + length
        assert depth == 8 and colour in (2, 6), "unsupported PNG %d/%d" % (depth, colour)
        bpp = 4 if colour == 6 else 3
        raw, stride = zlib.decompress(idat), width * bpp
        previous, rows, at = bytearray(stride), [], 0
        for _ in range(height):
            kind, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
            at += 1 + stride
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
                if kind == 1: line[i] = (line[i] + left) & 255
                elif kind == 2: line[i] = (line[i] + up) & 255
                elif kind == 3: line[i] = (line[i] + (left + up) // 2) & 255
                elif kind == 4:
                    p = left + up - corner
                    pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                    line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
            rows.append(line)
            previous = line
        wanted = {bytes.fromhex(c): c for c in sys.argv[2:]}
        longest = {c: 0 for c in sys.argv[2:]}
        nonwhite = 0
        for line in rows:
            run, last = 0, None
            for x in range(width):
                pixel = bytes(line[x * bpp:x * bpp + 3])
                if pixel != b"\xff\xff\xff": nonwhite += 1
                run = run + 1 if pixel == last else 1
                last = pixel
                if pixel in wanted and run > longest[wanted[pixel]]: longest[wanted[pixel]] = run
        print(json.dumps(dict(longest, width=width, height=height, nonwhite=nonwhite)))
        """#
}
