import Synchronization

/// The scheduler's jobs of one run, asked for once (one query however many attempts a resume
/// looks at) and asked again after a cancellation changed them.
final class JobSnapshot: Sendable {
    private let scheduler: any JobScheduler
    private let prefix: String
    private let states = Mutex<Result<[String: JobState], JobSchedulerError>?>(nil)

    /// A snapshot of the jobs named `prefix…`.
    init(scheduler: any JobScheduler, prefix: String) {
        self.scheduler = scheduler
        self.prefix = prefix
    }

    /// The state of the job `name`, `nil` when the scheduler does not know it.
    ///
    /// - Throws: ``JobSchedulerError`` when the scheduler cannot be asked.
    func state(of name: String) throws(JobSchedulerError) -> JobState? {
        let answer = states.withLock { states in
            if let states { return states }
            let answer = Result { () throws(JobSchedulerError) in try scheduler.statesBlocking(namesStartingWith: prefix) }
            states = answer
            return answer
        }
        return try answer.get()[name]
    }

    /// Asks again at the next look-up.
    func forget() {
        states.withLock { $0 = nil }
    }
}
