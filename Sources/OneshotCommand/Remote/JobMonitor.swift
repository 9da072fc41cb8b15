import Foundation

/// Batches a scheduler's queries and cancellations for every attempt of a run: however many
/// jobs are followed, at most one state query per poll interval, and the cancellations asked
/// for together (a SIGINT stops every attempt at once) go in one request.
///
/// There is no polling loop of its own: each attempt's task sleeps one interval and asks for
/// its job; the first to ask after the last answer aged queries for all of them, and those who
/// ask meanwhile wait for that answer.
public actor JobMonitor {
    /// What a look-up found.
    public enum Lookup: Sendable, Equatable {
        /// The scheduler knows the job.
        case found(JobState)
        /// The scheduler does not know it (any more): unknown, not failed.
        case notFound
        /// The scheduler could not be asked; the text says why.
        case unavailable(String)
    }

    private struct Answer {
        var at: ContinuousClock.Instant
        /// When the query was sent: what it says is true at least from then.
        var sent: ContinuousClock.Instant
        var asked: Set<String>
        var states: Result<[String: JobState], JobSchedulerError>

        func lookup(_ name: String) -> Lookup {
            switch states {
            case .success(let states): states[name].map(Lookup.found) ?? .notFound
            case .failure(let error): .unavailable(error.description)
            }
        }
    }

    private let scheduler: any JobScheduler
    private let interval: Duration
    private var followed: Set<String> = []
    private var answer: Answer?
    private var querying = false
    private var answerWaiters: [CheckedContinuation<Void, Never>] = []
    private var cancelling = false
    private var toCancel: [String] = []
    private var cancelWaiters: [CheckedContinuation<Void, Never>] = []
    private var cancelRefused: Set<String> = []

    /// How many state queries were made: one per interval at most, whatever the number of jobs.
    public private(set) var queries = 0

    /// Creates a monitor for `scheduler`, answering from a query at most `interval` old.
    public init(scheduler: any JobScheduler, interval: Duration) {
        self.scheduler = scheduler
        self.interval = interval
    }

    /// Includes the job `name` in every query until ``unfollow(_:)``.
    public func follow(_ name: String) {
        followed.insert(name)
    }

    /// Stops including `name`.
    public func unfollow(_ name: String) {
        followed.remove(name)
    }

    /// The state of the job `name`, from an answer at most one interval old.
    ///
    /// - Parameter fresh: answer only from a query sent after this call: before submitting a
    ///   job again after a failed submission, an older "not found" says nothing.
    public func lookup(_ name: String, fresh: Bool = false) async -> Lookup {
        followed.insert(name)
        let asked = ContinuousClock.now
        func usable(_ answer: Answer) -> Bool {
            answer.asked.contains(name) && (!fresh || answer.sent >= asked)
        }
        while true {
            if let answer, usable(answer), ContinuousClock.now - answer.at < interval {
                return answer.lookup(name)
            }
            await refresh()
            // An answer to a query sent before `name` was followed says nothing of it: ask again.
            if let answer, usable(answer) { return answer.lookup(name) }
        }
    }

    private func refresh() async {
        guard !querying else {
            await withCheckedContinuation { answerWaiters.append($0) }
            return
        }
        querying = true
        let sent = ContinuousClock.now
        let names = followed
        let states: Result<[String: JobState], JobSchedulerError>
        do {
            states = .success(try await scheduler.states(of: names.sorted()))
        } catch {
            states = .failure(error)
        }
        queries += 1
        answer = Answer(at: .now, sent: sent, asked: names, states: states)
        querying = false
        let waiters = answerWaiters
        answerWaiters = []
        waiters.forEach { $0.resume() }
    }

    /// Cancels the job `id`, together with the others asked for within `gather`; returns once a
    /// request including it was made, whether the scheduler accepted it.
    @discardableResult
    public func cancel(_ id: String, gather: Duration = .milliseconds(50)) async -> Bool {
        toCancel.append(id)
        guard !cancelling else {
            await withCheckedContinuation { cancelWaiters.append($0) }
            return cancelRefused.remove(id) == nil
        }
        cancelling = true
        // The other attempts a signal or a give-up stops are cancelled at the same moment.
        await Pause.uncancellable(gather)
        while !toCancel.isEmpty {
            let batch = toCancel
            toCancel = []
            do {
                try await scheduler.cancel(batch)
            } catch {
                // The caller keeps following a job whose cancellation was refused: it may run on.
                cancelRefused.formUnion(batch)
            }
        }
        cancelling = false
        let waiters = cancelWaiters
        cancelWaiters = []
        waiters.forEach { $0.resume() }
        return cancelRefused.remove(id) == nil
    }
}
