import Foundation
import Oneshot
import Synchronization

/// A ``JobScheduler`` in memory, counting what it is asked: its jobs run as `onSubmit` says.
final class FakeScheduler: JobScheduler {
    struct Record {
        var submitted: [JobSubmission] = []
        var jobs: [String: JobState] = [:]
        var queries = 0
        var cancelBatches: [[String]] = []
        /// The controller is unreachable: queries and cancellations fail as Slurm's client does.
        var down = false
        /// How many more submissions fail; with `createdAnyway` the job is created all the same
        /// (an `sbatch` that timed out after the controller took the job).
        var failingSubmissions = 0
        var createdAnyway = false
        /// Every call of `submit`, failed or not.
        var submitCalls = 0
        /// A submitted job is at once over in this state (`TIMEOUT`, `CANCELLED`…), its script
        /// never writing its exit status.
        var endAs: JobState?
    }

    let record = Mutex(Record())
    /// What the job does when submitted: e.g. write its exit status, or nothing (it then runs
    /// until cancelled, or vanishes when `vanish` is set).
    let onSubmit: @Sendable (JobSubmission) -> Void
    let vanish: Bool
    /// Yields after each call the executor makes, for ``until(within:_:)`` to check the record again.
    private let calls: AsyncStream<Void>
    private let callMade: AsyncStream<Void>.Continuation

    init(vanish: Bool = false, onSubmit: @escaping @Sendable (JobSubmission) -> Void = { _ in }) {
        self.vanish = vanish
        self.onSubmit = onSubmit
        (calls, callMade) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Waits until `condition` holds of the record, checking it again after each call the
    /// executor makes (one waiter at a time).
    ///
    /// - Returns: whether it held before `limit` passed.
    func until(within limit: Duration = .seconds(20), _ condition: @escaping @Sendable (Record) -> Bool) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                if self.record.withLock({ condition($0) }) { return true }
                for await _ in self.calls where self.record.withLock({ condition($0) }) { return true }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: limit)  // the deadline, not a wait for the call
                return false
            }
            let held = await group.next() ?? false
            group.cancelAll()
            return held
        }
    }

    var name: String { "Fake" }

    static let unreachable = JobSchedulerError("Unable to contact slurm controller (connect failure)")

    func submit(_ job: JobSubmission) async throws(JobSchedulerError) -> String {
        defer { callMade.yield() }
        let (id, fails) = record.withLock { record -> (String?, Bool) in
            record.submitCalls += 1
            let fails = record.failingSubmissions > 0
            record.failingSubmissions -= fails ? 1 : 0
            if fails && !record.createdAnyway { return (nil, true) }
            record.submitted.append(job)
            let id = String(record.submitted.count)
            var state = record.endAs ?? JobState(id: id, phase: .running, detail: "RUNNING")
            state.id = id
            state.submitted = Date()
            record.jobs[job.name] = state
            return (id, fails)
        }
        if id != nil, record.withLock({ $0.endAs == nil }) { onSubmit(job) }
        if fails { throw JobSchedulerError("sbatch for \(job.name) failed: Socket timed out on send/recv operation") }
        return id ?? ""
    }

    func states(of names: [String]) async throws(JobSchedulerError) -> [String: JobState] {
        defer { callMade.yield() }
        return try record.withLock { record -> Result<[String: JobState], JobSchedulerError> in
            record.queries += 1
            if record.down { return .failure(Self.unreachable) }
            if vanish { return .success([:]) }
            return .success(record.jobs.filter { names.contains($0.key) })
        }.get()
    }

    func statesBlocking(namesStartingWith prefix: String) throws(JobSchedulerError) -> [String: JobState] {
        defer { callMade.yield() }
        return record.withLock { record in
            record.queries += 1
            if vanish { return [:] }
            return record.jobs.filter { $0.key.hasPrefix(prefix) }
        }
    }

    func states(namesStartingWith prefix: String) async throws(JobSchedulerError) -> [String: JobState] {
        try statesBlocking(namesStartingWith: prefix)
    }

    func cancel(_ ids: [String]) async throws(JobSchedulerError) {
        defer { callMade.yield() }
        try record.withLock { record throws(JobSchedulerError) in
            if record.down { throw Self.unreachable }
            record.cancelBatches.append(ids)
            for (name, state) in record.jobs where ids.contains(state.id) {
                record.jobs[name] = JobState(id: state.id, phase: .ended, detail: "CANCELLED")
            }
        }
    }
}
