import OneshotDispatch
import OneshotGraph
import OneshotWorkstreams
import Synchronization
import Testing

/// A journal that logs what it is told and can hold a commit until the test lets it go.
final class RecordingJournal: RunJournal {
    let log = Log<String>()
    let commits = Log<[JournalEntry]>()
    let holdFirstCommit: Gate?
    let result: JournalCommitResult
    private let count = Mutex(0)

    init(holdFirstCommit: Gate? = nil, result: JournalCommitResult = .durable) {
        self.holdFirstCommit = holdFirstCommit
        self.result = result
    }

    func attemptStarting(id: String, attempt: Int) {
        log.append("start \(id)")
    }

    func commit(_ entries: [JournalEntry]) async -> JournalCommitResult {
        let number = count.withLock {
            $0 += 1; return $0
        }
        log.append("commit \(number) begins")
        if number == 1, let holdFirstCommit { await holdFirstCommit.wait() }
        commits.append(entries)
        log.append("commit \(number) ends")
        return result
    }
}

@Suite(.timeLimit(.minutes(1))) struct JournalTests {
    @Test func completionsArrivingDuringACommitAreGroupedIntoTheNextOne() async throws {
        let feature = try graph([ws("a"), ws("b"), ws("c"), ws("d", ["a", "b", "c"])])
        let release = Gate()
        let journal = RecordingJournal(holdFirstCommit: release)
        let finished = Mutex(0)
        let report = await Dispatcher(graph: feature, options: DispatchOptions(maxConcurrency: 3), journal: journal).run(
            executor: { _, _ in .success },
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
        let attemptsPerCommit = journal.commits.all.map { entries in
            entries.filter { if case .attemptFinished = $0 { true } else { false } }.count
        }
        #expect(attemptsPerCommit == [1, 2, 1])
        let log = journal.log.all
        let dStarts = try #require(log.firstIndex(of: "start d"))
        let secondCommitEnds = try #require(log.firstIndex(of: "commit 2 ends"))
        #expect(secondCommitEnds < dStarts, "d started before its dependencies were durable: \(log)")
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
