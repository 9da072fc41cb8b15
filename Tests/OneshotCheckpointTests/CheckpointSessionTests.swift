import Foundation
import OneshotCheckpoint
import OneshotDispatch
import OneshotGraph
import OneshotSystem
import OneshotTestSupport
import OneshotWorkstreams
import Synchronization
import Testing

@Suite(.timeLimit(.minutes(3))) struct CheckpointSessionTests {
    private func open(
        _ folder: TemporaryFolder, _ graph: WorkstreamGraph, fileSystem: any FileSystem = PosixFileSystem(),
        fresh: Bool = false, strict: Bool = false
    ) throws -> CheckpointSession {
        try CheckpointSession.open(
            graph: graph, paths: CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1"),
            fileSystem: fileSystem, fresh: fresh, strict: strict
        )
    }

    private func run(_ session: CheckpointSession, _ graph: WorkstreamGraph, failing: Set<String> = []) async -> RunReport {
        let options = DispatchOptions(alreadyCompleted: session.plan.completed, held: session.plan.held)
        return await Dispatcher(graph: graph, options: options, journal: session.store).run { workstream, _ in
            failing.contains(workstream.id) ? .failure(exitCode: 1) : .success
        }
    }

    @Test func aFailedRunLeavesACheckpointThatTheNextRunResumes() async throws {
        let folder = try TemporaryFolder()
        let graph = try WorkstreamGraph([ws("a"), ws("b", ["a"]), ws("c")])
        let first = try open(folder, graph)
        #expect(first.plan.isResume == false)
        let report = await run(first, graph, failing: ["a"])
        #expect(report.status == .failed)
        try first.finish(allDone: false)
        let saved = try CheckpointCodec.decode(
            Array(try Data(contentsOf: URL(fileURLWithPath: folder.file("checkpoints/F1-checkpoint.json")))),
            path: "c", featureID: "F1"
        )
        #expect(saved.completed == ["c"])
        #expect(saved.failed == ["a"])
        #expect(saved.skipped == ["b": "a"])
        #expect(saved.graph?.nodes.map(\.indegree) == [0, 1, 0])
        #expect(saved.runs == 1)

        let second = try open(folder, graph)
        #expect(second.plan.completed == ["c"])
        #expect(second.plan.toRetry == ["a"])
        let ran = Mutex<[String]>([])
        let options = DispatchOptions(alreadyCompleted: second.plan.completed)
        let resumed = await Dispatcher(graph: graph, options: options, journal: second.store).run { workstream, _ in
            ran.withLock { $0.append(workstream.id) }
            return .success
        }
        #expect(resumed.status == .succeeded)
        #expect(ran.withLock { $0 } == ["a", "b"])
        try second.finish(allDone: true)
        #expect(folder.names == ["checkpoints"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.file("checkpoints")) == ["F1.lock"])
    }

    @Test func aSecondSessionIsRefusedWhileTheFirstHoldsTheLock() throws {
        let folder = try TemporaryFolder()
        let graph = try WorkstreamGraph([ws("a")])
        let first = try open(folder, graph)
        #expect {
            try open(folder, graph)
        } throws: { error in
            guard case .locked(.held(_, let pid)) = error as? CheckpointSession.Failure else { return false }
            return pid == getpid()
        }
        withExtendedLifetime(first) {}
    }

    @Test func aCorruptCheckpointIsMovedAsideNeverDeleted() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("checkpoints"), withIntermediateDirectories: true)
        try folder.write("checkpoints/F1-checkpoint.json", "{ truncated")
        try folder.write("checkpoints/F1-checkpoint.json.corrupt", "an older one")
        let graph = try WorkstreamGraph([ws("a")])
        let session = try open(folder, graph)
        #expect(session.plan.isResume == false)
        #expect(session.warnings.first?.contains("not valid JSON (truncated or corrupt); moved it to") == true)
        #expect(folder.read("checkpoints/F1-checkpoint.json.corrupt.1") == "{ truncated")
        #expect(folder.read("checkpoints/F1-checkpoint.json.corrupt") == "an older one")
    }

    @Test func theSeedCheckpointResumes() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("checkpoints"), withIntermediateDirectories: true)
        try folder.write("checkpoints/F1-checkpoint.json", seedCheckpoint.replacingOccurrences(of: "F052", with: "F1"))
        let graph = try WorkstreamGraph([
            ws("00-052-01"), ws("00-052-02"), ws("00-052-03"), ws("00-052-04", ["00-052-01"]), ws("00-052-05", ["00-052-01"]),
        ])
        let session = try open(folder, graph)
        #expect(session.plan.completed == ["00-052-01", "00-052-02"])
        #expect(session.plan.toRetry == ["00-052-03"])
        #expect(session.plan.pending == ["00-052-04", "00-052-05"])
        #expect(session.store.current.circuitBreaker?.failureCount == 1)
    }

    @Test func orphanedTemporariesAreRemovedByTheLockHolder() throws {
        let folder = try TemporaryFolder()
        try FileManager.default.createDirectory(atPath: folder.file("checkpoints"), withIntermediateDirectories: true)
        try folder.write("checkpoints/F1-checkpoint.json.tmp.999.3", "half")
        let session = try open(folder, try WorkstreamGraph([ws("a")]))
        #expect(session.warnings == ["removed 1 temporary file(s) left by an interrupted write: F1-checkpoint.json.tmp.999.3"])
    }

    @Test func aFailedWriteIsAWarningAndTheNextBatchWritesAgain() async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let graph = try WorkstreamGraph([ws("a"), ws("b", ["a"]), ws("c", ["b"])])
        let session = try open(folder, graph, fileSystem: fileSystem)
        fileSystem.fail(.fsync, errno: EIO)
        let events = Mutex<[RunEvent]>([])
        let report = await Dispatcher(graph: graph, journal: session.store).run(
            executor: { _, _ in .success }, onEvent: { event in events.withLock { $0.append(event) } }
        )
        #expect(report.status == .succeeded)
        // The last batch's snapshot is written in the background: its temporary file is no leftover.
        await session.store.waitForSnapshot()
        let failures = events.withLock { $0 }.filter { if case .journalFailed = $0 { true } else { false } }
        #expect(failures.count == 1)
        #expect(folder.names == ["checkpoints"])
        let saved = try #require(try CheckpointReader.load(CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")))
            .checkpoint
        #expect(saved.completed == ["a", "b", "c"])
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.file("checkpoints")).filter {
            $0.contains(".tmp.")
        }
        #expect(leftovers.isEmpty)
    }

    @Test func aStrictStoreStopsTheRunWhenAWriteFails() async throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        let graph = try WorkstreamGraph([ws("a"), ws("b", ["a"])])
        let session = try open(folder, graph, fileSystem: fileSystem, strict: true)
        // The journal's fsync fails, and so does the snapshot written in its place.
        fileSystem.fail(.fsync, errno: EIO, times: 2)
        let report = await Dispatcher(graph: graph, journal: session.store).run { _, _ in .success }
        #expect(report.status == .journalFailed)
        #expect(report.results.map(\.state) == [.succeeded, .notRun])
    }

    @Test func anUnusableFolderIsAClearError() throws {
        let folder = try TemporaryFolder()
        try folder.write("checkpoints", "a file where the folder should be")
        #expect {
            try open(folder, try WorkstreamGraph([ws("a")]))
        } throws: { error in
            (error as? CheckpointSession.Failure)?.description.hasPrefix(
                "checkpoint folder unusable: mkdir \(folder.file("checkpoints")):") == true
        }
    }

    @Test func costsAndAttemptsAccumulateAcrossRuns() async throws {
        let folder = try TemporaryFolder()
        let graph = try WorkstreamGraph([ws("a"), ws("b")])
        for round in 1...2 {
            let session = try open(folder, graph)
            let options = DispatchOptions(alreadyCompleted: session.plan.completed)
            _ = await Dispatcher(graph: graph, options: options, journal: session.store).run { workstream, _ in
                ExecutionResult(succeeded: workstream.id == "a" || round == 2, costUSD: 0.25)
            }
            if round == 2 {
                let current = session.store.current
                #expect(current.costUSD == 0.75)
                #expect(current.runs == 2)
                #expect(current.workstreams?["b"]?.attempts == 2)
                #expect(current.workstreams?["b"]?.costUSD == 0.5)
            }
            try session.finish(allDone: false)
        }
    }
}

@Suite struct CheckpointJournalTests {
    private func finished(_ id: String) -> JournalEntry {
        .attemptFinished(AttemptReport(id: id, attempt: 1, status: .succeeded, duration: .milliseconds(10)), final: true)
    }

    @Test func aBatchIsOneAppendAndOneFsyncWhateverTheGraphSize() async throws {
        let folder = try TemporaryFolder()
        // Large enough that the snapshot is not rewritten every batch (over 1,000 workstreams and 256 KiB).
        let graph = try WorkstreamGraph((0..<6000).map { ws("w\($0)") })
        let fileSystem = FaultInjectingFileSystem()
        let paths = CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")
        let session = try CheckpointSession.open(graph: graph, paths: paths, fileSystem: fileSystem)
        let first = fileSystem.calls.count
        #expect(await session.store.commit([finished("w0")]) == .durable)
        let opening = fileSystem.calls.dropFirst(first).map { String($0.split(separator: " ")[0]) }
        // A new journal's first commit also fsyncs the folder, so that the file outlives a power cut.
        #expect(opening.first == "open" && opening.suffix(3) == ["write", "fsync", "fsyncDirectory"], "\(opening)")
        let before = fileSystem.calls.count
        #expect(await session.store.commit([finished("w1"), finished("w2")]) == .durable)
        let steps = fileSystem.calls.dropFirst(before).map { String($0.split(separator: " ")[0]) }
        #expect(steps == ["write", "fsync"], "append and fsync the journal, opened once")
        let loaded = try #require(try CheckpointReader.load(paths)).checkpoint
        #expect(loaded.completed == ["w0", "w1", "w2"])
    }

    @Test func aSmallFeaturesBatchFsyncsTheJournalAndItsSnapshotIsWrittenAfter() async throws {
        let folder = try TemporaryFolder()
        let graph = try WorkstreamGraph((0..<3).map { ws("w\($0)") })
        let fileSystem = FaultInjectingFileSystem()
        let paths = CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")
        let session = try CheckpointSession.open(graph: graph, paths: paths, fileSystem: fileSystem)
        let before = fileSystem.calls.count
        #expect(await session.store.commit([finished("w1")]) == .durable)
        await session.store.waitForSnapshot()
        let fsyncs = fileSystem.calls.dropFirst(before).filter { $0.hasPrefix("fsync") }
        // The journal, new, with its folder; then the snapshot and its folder, behind the commit.
        #expect(
            fsyncs.map { String($0.split(separator: " ")[0]) } == ["fsync", "fsyncDirectory", "fsync", "fsyncDirectory"],
            "\(fsyncs)")
        #expect(fsyncs.first == "fsync \(paths.journal)")
        #expect(fsyncs.dropFirst(2).first?.hasPrefix("fsync \(paths.checkpoint).tmp.") == true, "\(fsyncs)")
        #expect(try #require(try CheckpointReader.load(paths)).checkpoint.completed == ["w1"])

        // The snapshot cannot be synced: the journal holds the batch, and the next commit warns.
        fileSystem.fail(.fsync, errno: EIO, times: 1, path: "-checkpoint.json.tmp.")
        #expect(await session.store.commit([finished("w2")]) == .durable)
        await session.store.waitForSnapshot()
        #expect(try #require(try CheckpointReader.load(paths)).checkpoint.completed == ["w1", "w2"])
        guard case .failed(let message, stopRun: false) = await session.store.commit() else {
            Issue.record("a snapshot that cannot be synced is a warning when the journal holds the batch")
            return
        }
        #expect(message.hasPrefix("checkpoint not saved: fsync \(paths.checkpoint).tmp."), "\(message)")
        #expect(try #require(try CheckpointReader.load(paths)).checkpoint.completed == ["w1", "w2"])
    }

    @Test func aTornLastLineIsIgnoredAndFoldedLinesAreNeverAppliedTwice() async throws {
        let folder = try TemporaryFolder()
        let graph = try WorkstreamGraph([ws("a"), ws("b")])
        let paths = CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")
        let session = try CheckpointSession.open(graph: graph, paths: paths)
        #expect(await session.store.commit([finished("a")]) == .durable)
        await session.store.waitForSnapshot()
        let journal = try Data(contentsOf: URL(fileURLWithPath: paths.journal))
        // A crash mid-append leaves half a line.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: paths.journal))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"seq\":99,\"at\":\"2026".utf8))
        try handle.close()
        let torn = try #require(try CheckpointReader.load(paths)).checkpoint
        #expect(torn.completed == ["a"])
        #expect(torn.workstreams?["a"]?.attempts == 1)
        // A fold whose journal reset never reached the disk: the old lines are still there.
        try session.store.save()
        try journal.write(to: URL(fileURLWithPath: paths.journal))
        let replayed = try #require(try CheckpointReader.load(paths)).checkpoint
        #expect(replayed.workstreams?["a"]?.attempts == 1, "a folded line was applied twice")
    }

    @Test func aLaunchAndItsProcessReplayAsOneInFlightRecord() throws {
        let folder = try TemporaryFolder()
        let paths = CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")
        let session = try CheckpointSession.open(graph: try WorkstreamGraph([ws("a")]), paths: paths)
        try session.store.attemptStarting(id: "a", attempt: 1)
        session.store.processStarted(id: "a", attempt: 1, pid: getpid(), startTime: ProcessInspector.startTime(of: getpid()))
        let loaded = try #require(try CheckpointReader.load(paths)).checkpoint
        let record = try #require(loaded.inFlight?.first)
        #expect(loaded.inFlight?.count == 1)
        #expect(record.pid == getpid() && record.processStart != nil && record.run == 1)
    }

    @Test func theJournalIsFoldedIntoASnapshotOnceItOutgrowsIt() async throws {
        let folder = try TemporaryFolder()
        let graph = try WorkstreamGraph((0..<200).map { ws("w\($0)") })
        let paths = CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")
        let session = try CheckpointSession.open(graph: graph, paths: paths)
        for index in 0..<600 { _ = await session.store.commit([finished("w\(index % 200)")]) }
        await session.store.waitForSnapshot()
        let journalSize = (try FileManager.default.attributesOfItem(atPath: paths.journal)[.size] as? Int) ?? 0
        #expect(journalSize < 70 * 1024, "the journal should have been folded and started over")
        let snapshot = try CheckpointCodec.decode(
            Array(try Data(contentsOf: URL(fileURLWithPath: paths.checkpoint))), path: "c", featureID: "F1")
        #expect((snapshot.journalSeq ?? 0) > 0)
        #expect(try #require(try CheckpointReader.load(paths)).checkpoint.completed.count == 200)
    }
}

/// A read-only `.sdp` or a checkpoint folder without permission, simulated through the seam (the
/// suite runs as root here, which no permission bit stops).
@Suite struct UnwritableCheckpointFolderTests {
    @Test(arguments: [EROFS, EACCES, ENOSPC])
    func aFolderWhereTheLockCannotBeMadeIsAClearError(code: Int32) throws {
        let folder = try TemporaryFolder()
        let fileSystem = FaultInjectingFileSystem()
        fileSystem.fail(.open, errno: code, times: 100)
        let paths = CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")
        #expect {
            try CheckpointSession.open(graph: try WorkstreamGraph([ws("a")]), paths: paths, fileSystem: fileSystem)
        } throws: { error in
            let text = (error as? CheckpointSession.Failure)?.description ?? ""
            return text.hasPrefix("checkpoint folder unusable: open \(folder.file("checkpoints"))/F1.lock: ")
                && text.hasSuffix("(errno \(code))")
        }
    }

    @Test func aSnapshotThatCannotBeSyncedIsAWarningOrWithStrictAnError() throws {
        let folder = try TemporaryFolder()
        let paths = CheckpointPaths(folder: folder.file("checkpoints"), featureID: "F1")
        let fileSystem = FaultInjectingFileSystem()
        fileSystem.fail(.fsync, errno: EIO, times: 1)
        let session = try CheckpointSession.open(graph: try WorkstreamGraph([ws("a")]), paths: paths, fileSystem: fileSystem)
        #expect(session.warnings.contains { $0.hasPrefix("checkpoint not saved: fsync ") && $0.contains("Input/output error") })
        session.lock.release()
        fileSystem.fail(.fsync, errno: EIO, times: 1)
        #expect(throws: CheckpointSession.Failure.self) {
            try CheckpointSession.open(graph: try WorkstreamGraph([ws("a")]), paths: paths, fileSystem: fileSystem, strict: true)
        }
    }
}
