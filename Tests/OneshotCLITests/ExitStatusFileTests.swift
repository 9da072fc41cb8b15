import Foundation
import OneshotCheckpoint
import OneshotSystem
import Testing

@testable import OneshotCommand

/// What an attempt's shell left in its feature's exits file, as a test reads it.
struct WrittenExitStatus: Equatable {
    var attempt: Int
    var exitCode: Int32
}

extension TemporaryProject {
    /// The newest exit status a shell of `feature`'s workstream `id` wrote, if any.
    func exitStatus(_ feature: String, _ id: String) -> WrittenExitStatus? {
        var found: WrittenExitStatus?
        _ = ExitStatusFile.linesFromTheEnd(of: file(".sdp/logs/\(feature)/exits")) { text in
            guard let line = ExitStatusLine(text), line.id == id else { return false }
            found = WrittenExitStatus(attempt: line.attempt, exitCode: line.exitCode)
            return true
        }
        return found
    }
}

/// Reading the exit statuses the shells of a feature's attempts append to one file: only a whole
/// line, with its attempt's token, of the attempt a record names.
@Suite(.timeLimit(.minutes(3))) struct ExitStatusFileTests {
    /// A folder with an exits file holding `text`, and a reader of it.
    private struct Folder {
        let path: String
        let statuses: ExitStatusFile

        init(_ text: String, previous: String? = nil) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("exits-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            statuses = ExitStatusFile(folder: path)
            try Data(text.utf8).write(to: URL(fileURLWithPath: statuses.path))
            if let previous { try Data(previous.utf8).write(to: URL(fileURLWithPath: statuses.previousPath)) }
        }

        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }

    private static let started = "2026-11-30T05:00:00Z"
    /// A launch 0.25 s after the record was written.
    private static let token = ExitStatusLine.token(launchedAt: RFC3339.parse(started)!) + 250

    private static func record(_ id: String = "pay", attempt: Int = 2, pid: Int32? = 4242) -> InFlightRecord {
        InFlightRecord(id: id, attempt: attempt, startedAt: started, pid: pid, run: 1)
    }

    private static func line(_ id: String = "pay", attempt: Int = 2, pid: Int32 = 4242, status: Int32 = 7, token: Int64 = token)
        -> String
    {
        "\n\(attempt) \(token) \(pid) \(status) \(id) \(token)\n"
    }

    @Test func theAttemptsOwnLineIsReadAmongOthers() throws {
        let folder = try Folder(Self.line("a", status: 0) + Self.line() + Self.line("b", status: 1))
        defer { folder.remove() }
        #expect(folder.statuses.status(of: Self.record())?.exitCode == 7)
        #expect(folder.statuses.status(of: Self.record(pid: nil))?.exitCode == 7, "a record without its pid yet")
    }

    /// A kill (or a full disk) that cuts the line short leaves no closing token: not read, and
    /// not mistaken for a shorter status ("1" of "13").
    @Test(arguments: ["\n2 \(token) 4242 1", "\n2 \(token) 4242 13 pay", "\n2 \(token) 4242 13 pay \(token / 10)"])
    func aLineCutShortIsNotRead(_ torn: String) throws {
        let folder = try Folder(torn)
        defer { folder.remove() }
        #expect(folder.statuses.status(of: Self.record()) == nil)
        // What other shells appended after it (each line starts one of its own) is still read.
        let followed = try Folder(torn + Self.line("b", status: 3))
        defer { followed.remove() }
        #expect(followed.statuses.status(of: Self.record("b")).map(\.exitCode) == 3)
        #expect(followed.statuses.status(of: Self.record()) == nil)
    }

    /// Whatever a command's background child writes to the inherited descriptor after its shell
    /// left the status does not hide it.
    @Test func outputAfterTheLineDoesNotHideIt() throws {
        let noise = String(repeating: "progress 50%\n", count: 8_000) + "no newline at the end"
        let folder = try Folder(Self.line() + noise)
        defer { folder.remove() }
        #expect(folder.statuses.status(of: Self.record())?.exitCode == 7)
    }

    /// A line without the attempt's token at both ends (forged, or of an earlier attempt of the
    /// same number launched before the record) is not its status; nor is another shell's.
    @Test func aLineWithoutTheAttemptsTokenIsNotItsStatus() throws {
        for text in [
            "\n2 \(Self.token) 4242 0 pay\n", "\n2 \(Self.token) 4242 0 pay 1\n", "2 0 4242 0 pay 0\n",
            Self.line(token: Self.token - 1_000), Self.line(pid: 99), Self.line(attempt: 1),
        ] {
            let folder = try Folder(text)
            defer { folder.remove() }
            #expect(folder.statuses.status(of: Self.record()) == nil, "\(text)")
        }
    }

    /// Only the newest line of the workstream speaks: an older one is an earlier attempt's.
    @Test func theNewestLineOfTheWorkstreamDecides() throws {
        let folder = try Folder(Self.line(status: 0) + Self.line(pid: 99, status: 1))
        defer { folder.remove() }
        #expect(folder.statuses.status(of: Self.record()) == nil)
    }

    /// A run that found the file large moved it aside; a shell of an earlier run still writes to
    /// the moved file, which is read after the current one.
    /// A FIFO in the file's place hung a run (its open waited for a reader, even through
    /// SIGTERM) and `status` (a hostile review's): it is refused, and read as nothing.
    @Test func aFIFOInTheFilesPlaceIsRefusedWithoutWaiting() throws {
        let folder = try Folder("")
        defer { folder.remove() }
        try FileManager.default.removeItem(atPath: folder.statuses.path)
        #expect(mkfifo(folder.statuses.path, 0o600) == 0)
        #expect(folder.statuses.status(of: Self.record()) == nil)
        #expect(throws: SystemError.self) { _ = try folder.statuses.openedDescriptor() }
    }

    /// The log folder removed by hand while a run goes on: the file the shells were given has
    /// no name left, so the next launch opens it again where the next run reads it; the old
    /// descriptor stays open (a launch on another thread may be passing it on).
    @Test func aFileRemovedWithItsFolderIsOpenedAgainAtTheNextLaunch() throws {
        let folder = try Folder("")
        defer { folder.remove() }
        let first = try folder.statuses.openedDescriptor()
        #expect(try folder.statuses.openedDescriptor() == first, "kept while it has its name")
        try FileManager.default.removeItem(atPath: folder.path)
        try FileManager.default.createDirectory(atPath: folder.path, withIntermediateDirectories: true)
        let second = try folder.statuses.openedDescriptor()
        #expect(try Syscall.linkCount(second, path: folder.statuses.path) == 1)
        try Syscall.writeAll(second, Array(Self.line().utf8))
        #expect(folder.statuses.status(of: Self.record())?.exitCode == 7, "the line is in the file the next run reads")
        #expect(fcntl(first, F_GETFD) != -1, "the old descriptor is not closed under a launch")
    }

    @Test func theMovedAsideFileIsReadToo() throws {
        let folder = try Folder(Self.line("b"), previous: Self.line())
        defer { folder.remove() }
        #expect(folder.statuses.status(of: Self.record())?.exitCode == 7)
    }

    /// Lines across the 64 KiB chunks the file is read in backwards.
    @Test func linesAcrossChunksAreWhole() throws {
        let filler = (0..<3_000).map { Self.line("w\($0)", status: 1) }.joined()
        let folder = try Folder(filler + Self.line() + filler)
        defer { folder.remove() }
        #expect(filler.utf8.count > 65_536)
        #expect(folder.statuses.status(of: Self.record())?.exitCode == 7)
        var count = 0
        _ = ExitStatusFile.linesFromTheEnd(of: folder.statuses.path) {
            count += ExitStatusLine($0) == nil ? 0 : 1; return false
        }
        #expect(count == 6_001)
    }

    /// An attempt of oneshot before the exits file left its status in `<ws_id>.exit`: a resume
    /// across an upgrade still reads it when the exits file has nothing for the attempt.
    @Test func anEarlierVersionsExitFileIsStillRead() throws {
        let folder = try Folder(Self.line("b"))
        defer { folder.remove() }
        let executor = CommandExecutor(featureID: "F1", logFolder: folder.path)
        try Data("4242 5 2\n".utf8).write(to: URL(fileURLWithPath: executor.exitFilePath(for: "pay")))
        let record = InFlightRecord(id: "pay", attempt: 2, startedAt: RFC3339.format(Date()), pid: 4242, run: 1)
        guard case .finished(let exitCode, _) = executor.probe(record) else {
            Issue.record("the old exit file was not read: \(executor.probe(record))")
            return
        }
        #expect(exitCode == 5)
    }

    /// Every attempt's shell appends its status to the feature's one exits file: no file is made
    /// per attempt beyond its log.
    @Test func aRunMakesNoFilePerAttemptForItsStatuses() async throws {
        let project = try TemporaryProject()
        try project.workstream("F1", "a", run: "true")
        try project.workstream("F1", "b", run: "echo no; exit 3", extra: "idempotent: false\n")
        let result = try await OneshotBinary.run(["F1", "--retries", "0"], in: project.path)
        #expect(result.exitCode == 1, "\(result.stdout)\n\(result.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: project.file(".sdp/logs/F1")).sorted()
        #expect(files == ["a.log", "b.log", "exits"])
        #expect(project.exitStatus("F1", "a") == WrittenExitStatus(attempt: 1, exitCode: 0))
        #expect(project.exitStatus("F1", "b") == WrittenExitStatus(attempt: 1, exitCode: 3))
    }
}
