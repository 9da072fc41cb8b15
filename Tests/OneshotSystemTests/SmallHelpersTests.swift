import Foundation
import Testing

@testable import OneshotSystem

@Suite struct SmallHelpersTests {
    @Test func rfc3339FormatsUTCToTheSecondAndToTheMillisecond() throws {
        let date = Date(timeIntervalSince1970: 1_795_398_245.789_4)
        #expect(RFC3339.format(date) == "2026-11-23T01:44:05Z")
        #expect(RFC3339.formatMilliseconds(date) == "2026-11-23T01:44:05.789Z")
        #expect(RFC3339.formatMilliseconds(Date(timeIntervalSince1970: 59.999_9)) == "1970-01-01T00:00:59.999Z")
        #expect(RFC3339.formatMilliseconds(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
        #expect(RFC3339.formatMilliseconds(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 253_402_300_799)) == "9999-12-31T23:59:59Z")
    }

    @Test func rfc3339AgreesWithFoundationOverManyDates() throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        for step in 0..<5_000 {
            // Whole milliseconds, so that Foundation's rounding and our truncation agree.
            let date = Date(timeIntervalSince1970: Double(step * 123_456_789 + 250) / 1000)
            #expect(RFC3339.formatMilliseconds(date) == formatter.string(from: date))
            #expect(RFC3339.parse(RFC3339.formatMilliseconds(date)) == date)
        }
    }

    @Test func rfc3339ReadsOffsetsAndRefusesWhatIsNotATime() throws {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        for text in ["2026-11-29T23:17:15.250+01:30", "2026-11-29T23:17:15.5-08:00", "2024-02-29T00:00:00.000Z"] {
            #expect(RFC3339.parse(text) == formatter.date(from: text), "\(text)")
        }
        #expect(RFC3339.parse("2026-11-29t23:17:15z") == RFC3339.parse("2026-11-29T23:17:15Z"))
        #expect(RFC3339.parse("2016-12-31T23:59:60Z") == RFC3339.parse("2017-01-01T00:00:00Z"))
        for text in [
            "", "2026-11-29", "2026-11-29T23:17:15", "2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z", "2026-11-29T24:00:00Z", "2026-11-29T23:17:15Zjunk", "2026-11-29T23:17:15+1:00",
            "２０２６-11-29T23:17:15Z", "2026-11-29T23:17:15.Z",
        ] {
            #expect(RFC3339.parse(text) == nil, "\(text)")
        }
    }

    @Test func jsonStringsReadBackAsWrittenWhetherOrNotTheyNeedEscapes() throws {
        // Short (stored inline), long (on the heap), bridged, escaped and non-ASCII strings:
        // those needing no escape take a faster path that must write the same bytes.
        let long = String(repeating: "n123-abc/", count: 40)
        let strings = [
            "", "n1", "2026-11-30T02:22:27.123Z", long, long + "\"", "quote \" back\\slash", "line\nbreak\ttab\r",
            "\u{01}\u{1f}\u{08}\u{0c}", "naïve — ✓", NSString(string: "bridged/path").description, "\u{7f}",
        ]
        for value in strings {
            var writer = JSONWriter()
            writer.beginArray()
            writer.string(value)
            writer.endArray()
            let decoded = try JSONSerialization.jsonObject(with: Data(writer.bytes)) as? [String]
            #expect(decoded == [value], "\(value.debugDescription) → \(String(decoding: writer.bytes, as: UTF8.self))")
        }
        var writer = JSONWriter()
        writer.beginArray()
        writer.string("a\"b\\c\nd\u{01}é/")
        writer.string("plain/é")
        writer.endArray()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"["a\"b\\c\nd\u0001é/","plain/é"]"#)
    }

    @Test func readSmallFileReadsWholeFilesAndStopsAtTheLimit() throws {
        let path = NSTemporaryDirectory() + "oneshot-small-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let content = (0..<20_000).map { UInt8($0 % 251) }
        try Data(content).write(to: URL(fileURLWithPath: path))
        #expect(Syscall.readSmallFile(path) == content)
        #expect(Syscall.readSmallFile(path, limit: 10_000) == Array(content.prefix(10_000)))
        #expect(Syscall.readSmallFile(path + ".missing") == nil)
        #expect(Syscall.readSmallFile("/proc/self/stat")?.isEmpty == false)
    }
}

@Suite struct ProcessIdentityTests {
    @Test func aChildKnowsTheStartTimeProcGivesForIt() async throws {
        #if os(Linux)
            // Many spawns, so that some straddle a clock tick and take the /proc path too.
            for _ in 0..<200 {
                let child = try ChildProcess.spawn(
                    executable: "/bin/sh", arguments: ["sh", "-c", "exec sleep 30"], environment: [:], outputFD: 2)
                let recorded = try #require(child.startTime)
                #expect(ProcessInspector.startTime(of: child.pid) == recorded)
                child.terminate(grace: .seconds(5))
                _ = await child.wait(terminationGrace: .seconds(5))
                #expect(ProcessInspector.startTime(of: child.pid) == nil, "a reaped child has no start time")
            }
        #endif
    }

    /// A command that exits at once may be a zombie before its spawner reads its start (a
    /// loaded machine runs the child first; a spawn that straddles a clock tick reads `/proc`):
    /// its start was then `nil`, and its record named no process a resume could match.
    @Test func aChildThatHasAlreadyExitedStillHasItsStartTime() async throws {
        #if os(Linux)
            for _ in 0..<50 {
                let child = try ChildProcess.spawn(
                    executable: "/bin/sh", arguments: ["sh", "-c", "exit 0"], environment: [:], outputFD: 2)
                // A zombie now, not reaped: its pid (and start) is still its own.
                var info = siginfo_t()
                while waitid(P_PID, id_t(child.pid), &info, WEXITED | WNOWAIT) == -1 && errno == EINTR {}
                #expect(child.startTime != nil, "a child that exited before its start was read")
                #expect(ProcessInspector.startTime(of: child.pid) == nil, "a zombie is no live process")
                #expect(ProcessInspector.startTime(ofUnreapedChild: child.pid) == child.startTime)
                _ = child.waitUntilExit()
            }
        #endif
    }

    @Test func aProcessMatchesARecordOfItsStartOrLaterButNotEarlier() async throws {
        #if os(Linux)
            let child = try ChildProcess.spawn(
                executable: "/bin/sh", arguments: ["sh", "-c", "exec sleep 30"], environment: [:], outputFD: 2)
            let actual = try #require(ProcessInspector.startTime(of: child.pid))
            // Under a CPU quota the start is read ticks after the kernel's stamp: still this process.
            #expect(ProcessInspector.isRunning(child.pid, startedBy: actual))
            #expect(ProcessInspector.isRunning(child.pid, startedBy: actual + 500))
            // A record older than the process: the pid was reused since.
            #expect(!ProcessInspector.isRunning(child.pid, startedBy: actual - 1))
            #expect(ProcessInspector.processGroup(of: child.pid) == child.pid)
            child.terminate(grace: .seconds(5))
            _ = await child.wait(terminationGrace: .seconds(5))
            #expect(!ProcessInspector.isRunning(child.pid, startedBy: actual + 500), "a reaped child is not running")
        #endif
    }

    @Test func theBootAndHostAreKnown() {
        #if os(Linux)
            #expect(Machine.bootID?.count == 36)
        #endif
        #expect(!Machine.hostName.isEmpty)
    }

    @Test func whatIsLeftOfAGroupAfterItsLeaderExitsIsKilled() async throws {
        #if os(Linux)
            let folder = NSTemporaryDirectory() + "oneshot-group-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let child = try ChildProcess.spawn(
                executable: "/bin/sh", arguments: ["sh", "-c", "(sleep 60 & echo $! > \(folder)/bg.pid)"], environment: [:],
                outputFD: 2)
            let status = await child.wait(terminationGrace: .seconds(5))
            #expect(status == .exited(0))
            let text = try String(contentsOfFile: folder + "/bg.pid", encoding: .utf8)
            let straggler = try #require(Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)))
            // SIGKILL has been sent; its delivery is awaited through a pidfd.
            if case .opened(let pidfd) = Pidfd.open(straggler) {
                defer { close(pidfd) }
                #expect(Pidfd.waitForExit(pidfd, timeout: .seconds(10)), "the leader's end took its group with it")
            }
        #endif
    }
}
