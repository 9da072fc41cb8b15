import Synchronization

/// A one-shot latch: ``wait()`` suspends until ``open()``; waiting after it opened returns at
/// once. The dispatcher opens one when a ``LaunchPreparer/prepare(_:attempt:)`` call has returned,
/// and the discard of the same workstream waits for it (the tests use it as their gate).
package final class Latch: Sendable {
    private let state = Mutex<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// A closed latch.
    package init() {}

    /// Wakes every waiter, and lets any later one through.
    package func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once ``open()`` has been called. Not cancellable: a preparation always returns,
    /// and what it made must be undone even in a cancelled run.
    package func wait() async {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                if !state.open { state.waiters.append(continuation) }
                return state.open
            }
            if isOpen { continuation.resume() }
        }
    }
}
