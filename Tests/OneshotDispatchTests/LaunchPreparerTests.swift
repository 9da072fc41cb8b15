import OneshotDispatch
import OneshotGraph
import OneshotWorkstreams
import Synchronization
import Testing

/// Records what the dispatcher asks it to prepare and discard, and opens a gate per prepared id.
final class RecordingPreparer: LaunchPreparer {
    let log: Log<String>
    private let gates = Mutex<[String: Gate]>([:])

    init(log: Log<String>) { self.log = log }

    func prepare(_ workstream: Workstream, attempt: Int) async {
        log.append("prepare \(workstream.id)")
        gate(workstream.id).open()
    }

    func discard(_ workstream: Workstream) async {
        log.append("discard \(workstream.id)")
    }

    /// Opens once `id` has been prepared.
    func gate(_ id: String) -> Gate {
        gates.withLock { gates in
            if let gate = gates[id] { return gate }
            let gate = Gate()
            gates[id] = gate
            return gate
        }
    }
}

/// The dispatcher prepares a workstream while the attempts it waits on run (``LaunchPreparer``),
/// within the free slots, and discards what will not launch.
@Suite(.timeLimit(.minutes(3))) struct LaunchPreparerTests {
    private func options(_ jobs: Int, _ preparer: RecordingPreparer) -> DispatchOptions {
        var options = DispatchOptions(maxConcurrency: jobs, breaker: nil)
        options.preparer = preparer
        return options
    }

    @Test func aChainPreparesEachStepWhileItsPredecessorRuns() async throws {
        let log = Log<String>()
        let preparer = RecordingPreparer(log: log)
        let chain = try graph([ws("a"), ws("b", ["a"]), ws("c", ["b"]), ws("d", ["c"])])
        let next = ["a": "b", "b": "c", "c": "d"]
        let report = await Dispatcher(graph: chain, options: options(2, preparer)).run { workstream, _ in
            log.append("start \(workstream.id)")
            // Each step ends only once the next one is prepared: that happens while it runs.
            if let next = next[workstream.id] { await preparer.gate(next).wait() }
            return .success
        }
        #expect(report.status == .succeeded)
        // A step's start and its successor's preparation race; the preparation comes first.
        let entries = log.all
        #expect(entries.count == 7)
        for step in ["b", "c", "d"] {
            let prepared = try #require(entries.firstIndex(of: "prepare \(step)"))
            let started = try #require(entries.firstIndex(of: "start \(step)"))
            #expect(prepared < started)
        }
    }

    @Test(arguments: [(2, 1), (4, 3), (1, 0)])
    func atMostTheFreeSlotsArePrepared(jobs: Int, prepared: Int) async throws {
        let log = Log<String>()
        let preparer = RecordingPreparer(log: log)
        let fan = try graph([ws("a"), ws("b", ["a"]), ws("c", ["a"]), ws("d", ["a"])])
        let report = await Dispatcher(graph: fan, options: options(jobs, preparer)).run { _, _ in .success }
        #expect(report.status == .succeeded)
        let prepares = log.all.filter { $0.hasPrefix("prepare") }
        #expect(prepares.count == prepared)
        // A prepared workstream holds its slot: when more urgent ones take the slots, it is
        // discarded first (a parked shell must not make the live shells more than -j).
        #expect(log.all.filter { $0.hasPrefix("discard") }.count <= prepared, "\(log.all)")
    }

    @Test func nothingIsPreparedWhileEverySlotRuns() async throws {
        let log = Log<String>()
        let preparer = RecordingPreparer(log: log)
        let started = Gate()
        let feature = try graph([ws("a"), ws("x"), ws("b", ["a"])])
        let running = Mutex(0)
        let report = await Dispatcher(graph: feature, options: options(2, preparer)).run { workstream, _ in
            if workstream.id != "b" {
                if running.withLock({
                    $0 += 1; return $0
                }) == 2 {
                    started.open()
                }
                await started.wait()
            }
            return .success
        }
        #expect(report.status == .succeeded)
        #expect(log.all.isEmpty, "a and x filled both slots: \(log.all)")
    }

    @Test func aFailedDependencyDiscardsItsPreparedDependent() async throws {
        let log = Log<String>()
        let preparer = RecordingPreparer(log: log)
        let chain = try graph([ws("a"), ws("b", ["a"]), ws("c", ["b"])])
        let report = await Dispatcher(graph: chain, options: options(2, preparer)).run { workstream, _ in
            log.append("start \(workstream.id)")
            await preparer.gate("b").wait()
            return .failure(exitCode: 1)
        }
        #expect(report.results.map(\.state) == [.failed, .skipped, .skipped])
        #expect(log.all.filter { !$0.hasPrefix("start a") } == ["prepare b", "discard b"])
    }

    @Test func aStoppedRunDiscardsWhatItPreparedBeforeItReturns() async throws {
        let log = Log<String>()
        let preparer = RecordingPreparer(log: log)
        let chain = try graph([ws("a"), ws("b", ["a"])])
        let dispatcher = Dispatcher(graph: chain, options: options(2, preparer))
        let run = Task {
            await dispatcher.run { _, _ in
                try await Task.sleep(for: .seconds(60))
                return .success
            }
        }
        await preparer.gate("b").wait()
        run.cancel()
        let report = await run.value
        #expect(report.status == .interrupted)
        #expect(log.all == ["prepare b", "discard b"])
    }

    /// Every prepared workstream is launched or discarded exactly once, whatever fails.
    @Test func everyPreparationEndsInOneLaunchOrOneDiscard() async throws {
        let log = Log<String>()
        let preparer = RecordingPreparer(log: log)
        let feature = try layeredGraph(layers: 6, width: 5, seed: 3)
        let report = await Dispatcher(graph: feature, options: options(3, preparer)).run { workstream, _ in
            log.append("start \(workstream.id)")
            await Task.yield()
            return workstream.id.hasSuffix("-2") ? .failure(exitCode: 1) : .success
        }
        #expect(report.status == .failed)
        var open: Set<String> = []
        for entry in log.all {
            let parts = entry.split(separator: " ").map(String.init)
            switch parts[0] {
            case "prepare":
                #expect(open.insert(parts[1]).inserted, "\(parts[1]) prepared twice")
            case "discard":
                #expect(open.remove(parts[1]) != nil, "\(parts[1]) discarded but not prepared")
            default:
                open.remove(parts[1])
            }
        }
        #expect(open.isEmpty, "prepared but neither launched nor discarded: \(open.sorted())")
    }
}

/// Takes its time preparing `b`: a second at most, less when `b`'s discard comes meanwhile.
final class SlowPreparer: LaunchPreparer {
    let log: Log<String>
    /// Opens once `b`'s preparation has begun.
    let began = Gate()
    private let discarded = Gate()

    init(log: Log<String>) { self.log = log }

    func prepare(_ workstream: Workstream, attempt: Int) async {
        log.append("prepare \(workstream.id) begins")
        began.open()
        // A bound, not a synchronisation: the discard must not come within it.
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [discarded] in await discarded.wait() }
            group.addTask { try? await Task.sleep(for: .seconds(1)) }
            await group.next()
            discarded.open()
            group.cancelAll()
        }
        log.append("prepare \(workstream.id) ends")
    }

    func discard(_ workstream: Workstream) async {
        log.append("discard \(workstream.id)")
        discarded.open()
    }
}

/// On the shared pool the dispatcher's tasks run on several threads: a discard must still come
/// after the preparation it undoes has returned, or it finds nothing to undo (a preparation that
/// has not begun yet) and what that preparation then makes (an open log, a parked shell) is
/// left to no one.
@Suite(.timeLimit(.minutes(3))) struct LaunchPreparerOrderTests {
    @Test func aDiscardWaitsForThePreparationItUndoes() async throws {
        let log = Log<String>()
        let preparer = SlowPreparer(log: log)
        var options = DispatchOptions(maxConcurrency: 2, breaker: nil, threading: .sharedPool)
        options.preparer = preparer
        let chain = try graph([ws("a"), ws("b", ["a"])])
        let report = await Dispatcher(graph: chain, options: options).run { _, _ in
            await preparer.began.wait()
            return .failure(exitCode: 1)
        }
        #expect(report.results.map(\.state) == [.failed, .skipped])
        #expect(log.all == ["prepare b begins", "prepare b ends", "discard b"])
    }
}
