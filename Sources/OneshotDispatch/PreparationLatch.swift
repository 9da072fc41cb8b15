import Synchronization

/// Opens once a ``LaunchPreparer/prepare(_:attempt:)`` call has returned: the discard of the same
/// workstream waits for it. The dispatcher's tasks may run on several threads (the shared pool),
/// and a discard that came first would find nothing to undo, leaving what the preparation then
/// made (an open log, a parked shell) to no one.
final class PreparationLatch: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// The preparation has returned: wakes the waiter, and lets any later one through.
    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once ``open()`` has been called. Not cancellable: the preparation always returns,
    /// and what it made must be undone even in a cancelled run.
    func wait() async {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if isOpen { continuation.resume() }
        }
    }
}
