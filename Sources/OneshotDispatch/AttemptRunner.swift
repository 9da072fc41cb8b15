import OneshotWorkstreams

/// Runs one attempt through the executor, under its timeout, and classifies how it ended.
struct AttemptRunner: Sendable {
    let executor: Executor
    let sleep: @Sendable (Duration) async throws -> Void

    /// Races the executor against the timeout. When the timeout wins the executor is cancelled
    /// and awaited, so an attempt never outlives its slot (no two copies of one workstream).
    func run(_ workstream: Workstream, attempt: Int, timeout: Duration?) async -> (AttemptStatus, ExecutionResult?) {
        guard let timeout else { return await invoke(workstream, attempt) }
        let sleep = self.sleep
        return await withTaskGroup(of: (AttemptStatus, ExecutionResult?)?.self) { group in
            group.addTask { await invoke(workstream, attempt) }
            group.addTask {
                do {
                    try await sleep(timeout)
                    return (.timedOut, ExecutionResult.failure(detail: "timed out after \(DurationText.format(timeout))"))
                } catch {
                    return nil
                }
            }
            while let next = await group.next() {
                if let outcome = next {
                    group.cancelAll()
                    return outcome
                }
            }
            return (.interrupted, nil)
        }
    }

    private func invoke(_ workstream: Workstream, _ attempt: Int) async -> (AttemptStatus, ExecutionResult?) {
        do {
            let result = try await executor(workstream, attempt)
            if result.succeeded { return (.succeeded, result) }
            return (Task.isCancelled ? .interrupted : .failed, result)
        } catch {
            if Task.isCancelled || error is CancellationError { return (.interrupted, nil) }
            return (.failed, .failure(detail: String(describing: error)))
        }
    }
}
