import Synchronization

/// Tasks waiting for a condition on their owner's state (a gate opened, enough sleepers on a
/// clock): each wait ends once its condition holds — the owner calls ``recheck()`` after every
/// change that may make one hold — or once its task is cancelled, so that a test stopped by its
/// time limit ends instead of waiting for good for something its cancelled run will never do,
/// and hanging the whole `swift test`.
///
/// A condition is read under this type's lock: the owner must not hold its own lock when it
/// calls ``recheck()`` (the order is always this lock, then the owner's).
public final class ConditionWaiters: Sendable {
    private struct Waiter {
        let ready: @Sendable () -> Bool
        let continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        var waiting: [Int: Waiter] = [:]
        var cancelled: Set<Int> = []
        var nextID = 0
    }

    private let state = Mutex(State())

    /// Creates an empty set of waiters.
    public init() {}

    /// Returns once `ready` holds (at once when it does now), or once the task is cancelled.
    public func wait(until ready: @escaping @Sendable () -> Bool) async {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let passes = state.withLock { state in
                    if state.cancelled.contains(id) || ready() { return true }
                    state.waiting[id] = Waiter(ready: ready, continuation: continuation)
                    return false
                }
                if passes { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                state.cancelled.insert(id)
                return state.waiting.removeValue(forKey: id)
            }
            waiter?.continuation.resume()
        }
    }

    /// Ends the waits whose conditions hold now.
    public func recheck() {
        let due = state.withLock { state in
            let ids = state.waiting.filter { $0.value.ready() }.map(\.key)
            return ids.compactMap { state.waiting.removeValue(forKey: $0)?.continuation }
        }
        due.forEach { $0.resume() }
    }
}
