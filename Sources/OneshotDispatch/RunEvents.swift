/// A run's events as they happen, and its report once it has ended: what
/// ``Dispatcher/events(executor:)`` returns.
///
/// Iterate it once (it is a single-consumer sequence, as `AsyncStream` is). Ending the iteration
/// early by cancelling the consuming task cancels the run; ``report`` waits for the run's end
/// either way.
public struct RunEvents: AsyncSequence, Sendable {
    /// Each event of the run, in order.
    public typealias Element = RunEvent

    private let stream: AsyncStream<RunEvent>
    private let task: Task<RunReport, Never>

    init(stream: AsyncStream<RunEvent>, task: Task<RunReport, Never>) {
        self.stream = stream
        self.task = task
    }

    /// An iterator over the events; the sequence ends after ``RunEvent/runFinished(_:)``, or when
    /// the consuming task is cancelled.
    public func makeAsyncIterator() -> AsyncStream<RunEvent>.Iterator {
        stream.makeAsyncIterator()
    }

    /// The run's report, once it has ended: ``RunReport/Status/interrupted`` when it was
    /// cancelled.
    public var report: RunReport {
        get async { await task.value }
    }

    /// Cancels the run (as cancelling the consuming task does).
    public func cancel() {
        task.cancel()
    }
}
