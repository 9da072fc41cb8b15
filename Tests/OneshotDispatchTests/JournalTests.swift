import OneshotDispatch
import OneshotGraph
import OneshotWorkstreams
import Synchronization
import Testing

/// A journal that logs what it is told and can hold a commit until the test lets it go.
final class RecordingJournal: RunJournal {
    let log = Log<String>()
    /// The entries each commit made durable: those recorded before it began.
    let commits = Log<[JournalEntry]>()
    let holdFirstCommit: Gate?
    let firstCommitBegan = Gate()
    let firstCommitEnded = Gate()
    let result: JournalCommitResult
    private let state = Mutex<(count: Int, recorded: [JournalEntry])>((0, []))

    init(holdFirstCommit: Gate? = nil, result: JournalCommitResult = .durable) {
        self.holdFirstCommit = holdFirstCommit
        self.result = result
    }

    func attemptStarting(id: String, attempt: Int) {
        log.append("start \(id)")
    }

    func record(_ entries: [JournalEntry]) {
        state.withLock { $0.recorded += entries }
        for case let .attemptFinished(report, _) in entries { log.append("record \(report.id)") }
    }

    func commit() async -> JournalCommitResult {
        let (number, entries) = state.withLock { state in
            state.count += 1
            defer { state.recorded = [] }
            return (state.count, state.recorded)
        }
        log.append("commit \(number) begins")
        if number == 1 {
            firstCommitBegan.open()
            if let holdFirstCommit { await holdFirstCommit.wait() }
        }
        commits.append(entries)
        log.append("commit \(number) ends")
        if number == 1 { firstCommitEnded.open() }
        return result
    }

    /// How many finished attempts each commit made durable.
    var attemptsPerCommit: [Int] {
        commits.all.map { entries in entries.filter { if case .attemptFinished = $0 { true } else { false } }.count }
    }
}

/// A ``RecordingJournal`` whose first commit syncs only once `b`'s outcome is written, and
/// that counts its record calls: its commits say they made every call before them durable.
final class CoveringJournal: RunJournal {
    let bRecorded = Gate()
    let inner: RecordingJournal
    private let calls = Mutex(0)

    init() {
        inner = RecordingJournal(holdFirstCommit: bRecorded)
    }

    func attemptStarting(id: String, attempt: Int) { inner.attemptStarting(id: id, attempt: attempt) }

    func record(_ entries: [JournalEntry]) { inner.record(entries) }

    func record(_ entries: [JournalEntry], starting attempts: [(id: String, attempt: Int)]) throws {
        calls.withLock { $0 += 1 }
        try inner.record(entries, starting: attempts)
        if entries.contains(where: { if case .attemptFinished(let report, _) = $0 { report.id == "b" } else { false } }) {
            bRecorded.open()
        }
    }

    func commit() async -> JournalCommitResult { await inner.commit() }

    func commitCountingRecords() async -> (result: JournalCommitResult, recordsDurable: Int?) {
        let result = await inner.commit()
        return (result, calls.withLock { $0 })
    }
}

/// Options whose commit timer never fires during a test: commits happen only when due.
func withoutCommitTimer(maxConcurrency: Int) -> DispatchOptions {
    DispatchOptions(maxConcurrency: maxConcurrency, commitDelay: .seconds(86_400))
}

@Suite(.timeLimit(.minutes(3))) struct JournalTests {
    @Test func everyOutcomeIsRecordedAtOnceAndCommittedBeforeADependentStarts() async throws {
        let feature = try graph([ws("a"), ws("b", ["a"])])
        let journal = RecordingJournal()
        let report = await Dispatcher(graph: feature, journal: journal).run { _, _ in .success }
        #expect(report.status == .succeeded)
        #expect(
            journal.log.all == [
                "start a", "record a", "commit 1 begins", "commit 1 ends", "start b", "record b", "commit 2 begins",
                "commit 2 ends",
            ])
    }

    @Test func completionsNothingWaitsOnShareOneCommit() async throws {
        // d needs all three: a's and b's completions make nothing ready, so they wait (the
        // timer never fires here) and go into one commit with c's, which makes d ready.
        let feature = try graph([ws("a"), ws("b"), ws("c"), ws("d", ["a", "b", "c"])])
        let journal = RecordingJournal()
        let report = await Dispatcher(graph: feature, options: withoutCommitTimer(maxConcurrency: 3), journal: journal)
            .run { _, _ in .success }
        #expect(report.status == .succeeded)
        #expect(journal.attemptsPerCommit == [3, 1])
        let log = journal.log.all
        #expect(try #require(log.firstIndex(of: "commit 1 ends")) < #require(log.firstIndex(of: "start d")))
    }

    @Test func completionsRecordedDuringACommitGoIntoTheNextOne() async throws {
        // a's completion makes x ready: committed at once, and held open until b and c, which
        // start once that commit has begun, have finished; their completions wait for the next.
        let feature = try graph([ws("a"), ws("b"), ws("c"), ws("x", ["a"])])
        let release = Gate()
        let journal = RecordingJournal(holdFirstCommit: release)
        let finished = Mutex(0)
        let report = await Dispatcher(graph: feature, options: withoutCommitTimer(maxConcurrency: 3), journal: journal).run(
            executor: { workstream, _ in
                if workstream.id == "b" || workstream.id == "c" { await journal.firstCommitBegan.wait() }
                return .success
            },
            onEvent: { event in
                if case .workstreamFinished = event,
                    finished.withLock({
                        $0 += 1; return $0
                    }) == 3
                {
                    release.open()
                }
            }
        )
        #expect(report.status == .succeeded)
        #expect(journal.attemptsPerCommit == [1, 3])
        let log = journal.log.all
        #expect(try #require(log.firstIndex(of: "commit 1 ends")) < #require(log.firstIndex(of: "start x")))
    }

    @Test func completionsWrittenBeforeACommitsSyncAreReleasedByIt() async throws {
        // a's completion makes x ready and is committed at once; b finishes while that commit
        // waits to sync, and its line is written before the sync: the commit made it durable
        // too, so y starts without a commit of its own.
        let feature = try graph([ws("a"), ws("b"), ws("x", ["a"]), ws("y", ["b"])])
        let journal = CoveringJournal()
        let report = await Dispatcher(graph: feature, options: withoutCommitTimer(maxConcurrency: 2), journal: journal)
            .run { workstream, _ in
                if workstream.id == "b" { await journal.inner.firstCommitBegan.wait() }
                return .success
            }
        #expect(report.status == .succeeded)
        #expect(journal.inner.commits.all.count == 2, "none for b alone: the first commit synced it")
        let log = journal.inner.log.all
        #expect(try #require(log.firstIndex(of: "commit 1 ends")) < #require(log.firstIndex(of: "start y")))
        #expect(try #require(log.firstIndex(of: "start y")) < #require(log.firstIndex(of: "commit 2 begins")))
    }

    @Test func aCompletionNothingWaitsOnIsCommittedWhenTheTimerFires() async throws {
        // a and b are independent, one slot: a's completion makes nothing ready, so only the
        // timer can commit it; b runs until that commit has ended.
        let feature = try graph([ws("a"), ws("b")])
        let journal = RecordingJournal()
        let options = DispatchOptions(maxConcurrency: 1, commitDelay: .milliseconds(1))
        let report = await Dispatcher(graph: feature, options: options, journal: journal).run { workstream, _ in
            if workstream.id == "b" { await journal.firstCommitEnded.wait() }
            return .success
        }
        #expect(report.status == .succeeded)
        #expect(journal.attemptsPerCommit == [1, 1])
    }

    @Test func aFreeSlotWaitsForACommitThatMakesAMoreUrgentWorkstreamReady() async throws {
        // One slot. a is on the longest path (a → b → c), z is alone: after a, b outranks z,
        // so z must not take the slot while a's commit is under way.
        let feature = try graph([ws("a"), ws("b", ["a"]), ws("c", ["b"]), ws("z")])
        let journal = RecordingJournal()
        let starts = Log<String>()
        let report = await Dispatcher(graph: feature, options: DispatchOptions(maxConcurrency: 1), journal: journal).run {
            workstream, _ in
            starts.append(workstream.id)
            return .success
        }
        #expect(report.status == .succeeded)
        #expect(starts.all == ["a", "b", "c", "z"])
    }

    @Test func aDependentNeverStartsBeforeTheCommitRecordingItsDependency() async throws {
        let feature = try layeredGraph(layers: 6, width: 6, seed: 11)
        let journal = RecordingJournal()
        let report = await Dispatcher(graph: feature, options: DispatchOptions(maxConcurrency: 4), journal: journal).run { _, _ in
            .success
        }
        #expect(report.status == .succeeded)
        // Replay the journal: when a workstream starts, each of its dependencies must be in a
        // commit that has ended.
        var durable: Set<String> = []
        var commitIndex = 0
        let commits = journal.commits.all
        for line in journal.log.all {
            if line.hasSuffix("ends") {
                for case let .attemptFinished(attempt, true) in commits[commitIndex] { durable.insert(attempt.id) }
                commitIndex += 1
            } else if line.hasPrefix("start ") {
                let id = String(line.dropFirst(6))
                let workstream = try #require(feature.node(id).map { feature.workstreams[$0] })
                #expect(workstream.dependencies.allSatisfy(durable.contains), "\(id) started too early")
            }
        }
    }

    @Test func failuresAndSkipsAreJournaledToo() async throws {
        let journal = RecordingJournal()
        let feature = try graph([ws("a"), ws("b", ["a"])])
        _ = await Dispatcher(graph: feature, journal: journal).run { _, _ in .failure(exitCode: 2) }
        let entries = journal.commits.all.flatMap { $0 }
        #expect(entries.contains(.skipped(id: "b", blockedBy: "a")))
        #expect(journal.log.all.last == "commit \(journal.commits.all.count) ends", "the run ended with everything durable")
        #expect(
            entries.contains {
                if case let .attemptFinished(report, true) = $0 { report.id == "a" && report.status == .failed } else { false }
            })
    }

    @Test func aJournalThatMustStopTheRunStopsLaunching() async throws {
        let journal = RecordingJournal(result: .failed(message: "disk full", stopRun: true))
        let feature = try graph([ws("a"), ws("b", ["a"])])
        let events = Log<RunEvent>()
        let report = await Dispatcher(graph: feature, journal: journal).run(
            executor: { _, _ in .success }, onEvent: events.append)
        #expect(report.status == .journalFailed)
        #expect(report.results.map(\.state) == [.succeeded, .notRun])
        #expect(events.all.contains(.journalFailed(message: "disk full", stopsRun: true)))
    }
}
