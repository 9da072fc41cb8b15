import Foundation
import Synchronization

/// A clock whose time moves only when the test says (``advance(by:)``): a sleeper waits until
/// its deadline has been reached, or until its task is cancelled. Tests await
/// ``sleepers(_:)`` — an event, not a real sleep — before moving time.
///
/// With `advancesOnSleep`, every sleep instead moves the clock to its deadline at once: long
/// waits (a breaker's open minute) pass without the test stepping them.
///
/// ``date`` is a wall clock that follows it, for the dates code compares with its waits.
public final class ManualClock: Clock, Sendable {
    /// A point on the manual clock: the time since it started.
    public struct Instant: InstantProtocol {
        /// The time since the clock started.
        public var offset: Duration

        /// Creates the instant `offset` after the clock's start.
        public init(offset: Duration) {
            self.offset = offset
        }

        /// The instant `duration` later.
        public func advanced(by duration: Duration) -> Instant {
            Instant(offset: offset + duration)
        }

        /// The time from this instant to `other`.
        public func duration(to other: Instant) -> Duration {
            other.offset - offset
        }

        /// Whether `lhs` comes first.
        public static func < (lhs: Instant, rhs: Instant) -> Bool {
            lhs.offset < rhs.offset
        }
    }

    private struct Sleeper {
        let id: Int
        let deadline: Instant
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var now = Instant(offset: .zero)
        var sleepers: [Sleeper] = []
        var nextID = 0
        var cancelled: Set<Int> = []
        var requested: [Duration] = []
    }

    private let state = Mutex(State())
    private let watchers = ConditionWaiters()
    private let start: Date
    private let advancesOnSleep: Bool
    private let onSleep: @Sendable (Int) -> Void

    /// Creates a clock at offset zero, whose ``date`` is then `start`.
    ///
    /// - Parameters:
    ///   - start: the wall-clock date of offset zero.
    ///   - advancesOnSleep: whether each sleep moves time to its deadline at once.
    ///   - onSleep: called as each sleep begins, with the number of sleeps so far (1 for the
    ///     first): a test changes the world "during" a wait.
    public init(
        start: Date = Date(timeIntervalSince1970: 1_800_000_000), advancesOnSleep: Bool = false,
        onSleep: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.start = start
        self.advancesOnSleep = advancesOnSleep
        self.onSleep = onSleep
    }

    /// The current instant.
    public var now: Instant { state.withLock { $0.now } }

    /// The smallest step: none, time moves only when told.
    public var minimumResolution: Duration { .zero }

    /// The wall-clock date of ``now``: `start` plus the time advanced.
    public var date: Date {
        let offset = now.offset.components
        return start.addingTimeInterval(Double(offset.seconds) + Double(offset.attoseconds) / 1e18)
    }

    /// How long each sleep asked to wait, in the order they began.
    public var requested: [Duration] { state.withLock { $0.requested } }

    /// How many sleepers wait now.
    public var sleeping: Int { state.withLock { $0.sleepers.count } }

    /// Waits until ``now`` reaches `deadline` (at once when it has), or throws
    /// `CancellationError` when the task is cancelled first.
    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try Task.checkCancellation()
        if advancesOnSleep {
            let count = state.withLock { state in
                state.requested.append(state.now.duration(to: deadline))
                return state.requested.count
            }
            onSleep(count)
            advance(to: deadline)
            await Task.yield()
            try Task.checkCancellation()
            return
        }
        let (id, count) = state.withLock { state in
            defer { state.nextID += 1 }
            state.requested.append(state.now.duration(to: deadline))
            return (state.nextID, state.requested.count)
        }
        onSleep(count)
        let woke = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                enqueue(Sleeper(id: id, deadline: deadline, continuation: continuation))
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                state.cancelled.insert(id)
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(returning: false)
        }
        if !woke { throw CancellationError() }
    }

    /// Returns once at least `count` sleepers wait, or the task is cancelled: a test cancelled
    /// by its time limit then ends, instead of waiting for good for a sleeper that will never come
    /// (its run was cancelled too) and hanging the whole `swift test`.
    public func sleepers(_ count: Int) async {
        await watchers.wait { self.sleeping >= count }
    }

    /// Moves time forward by `duration` and wakes every sleeper now due.
    public func advance(by duration: Duration) {
        advance(to: now.advanced(by: duration))
    }

    private func advance(to instant: Instant) {
        let due = state.withLock { state -> [Sleeper] in
            if instant > state.now { state.now = instant }
            let now = state.now
            defer { state.sleepers.removeAll { $0.deadline <= now } }
            return state.sleepers.filter { $0.deadline <= now }
        }
        due.forEach { $0.continuation.resume(returning: true) }
    }

    private func enqueue(_ sleeper: Sleeper) {
        let resume = state.withLock { state -> Bool? in
            if state.cancelled.contains(sleeper.id) { return false }
            if sleeper.deadline <= state.now { return true }
            state.sleepers.append(sleeper)
            return nil
        }
        if let resume {
            sleeper.continuation.resume(returning: resume)
        } else {
            watchers.recheck()
        }
    }
}
