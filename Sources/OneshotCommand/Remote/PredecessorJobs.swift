import Foundation

/// The jobs of this feature's runs that were already queued or running when this run first
/// submitted one: asked for once, in one query, however many attempts start.
///
/// A job found there under the name of an attempt about to be submitted was submitted by an
/// earlier oneshot whose `sbatch` failed (a timeout after the controller took it) and that
/// died before it could look: the job is followed, not submitted a second time.
actor PredecessorJobs {
    private let scheduler: any JobScheduler
    private let prefix: String
    private var jobs: [String: JobState]?
    private var askedAt = Date()
    private var loading = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// The jobs named `prefix…` of `scheduler`.
    init(scheduler: any JobScheduler, prefix: String) {
        self.scheduler = scheduler
        self.prefix = prefix
    }

    /// The job `name` when it was queued or running as the run began submitting, and when the
    /// scheduler was asked: an exit status the job leaves is written after that.
    ///
    /// - Throws: ``JobSchedulerError`` when the scheduler could not be asked (asked again at
    ///   the next call).
    func activeJob(named name: String) async throws(JobSchedulerError) -> (state: JobState, seen: Date)? {
        while jobs == nil {
            if loading {
                await withCheckedContinuation { waiters.append($0) }
                continue
            }
            loading = true
            let asked = Date()
            let answer: Result<[String: JobState], JobSchedulerError>
            do {
                answer = .success(try await scheduler.states(namesStartingWith: prefix))
            } catch {
                answer = .failure(error)
            }
            loading = false
            let waiting = waiters
            waiters = []
            waiting.forEach { $0.resume() }
            jobs = try answer.get().filter { $0.value.isActive }
            askedAt = asked
        }
        return jobs?[name].map { ($0, askedAt) }
    }

    /// Forgets `name`: once this run submitted or followed it, it is no predecessor's.
    func forget(_ name: String) {
        jobs?[name] = nil
    }
}
