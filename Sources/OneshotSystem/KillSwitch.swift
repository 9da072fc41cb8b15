import Synchronization

/// Cuts a graceful stop short: once thrown, every ``ChildProcess`` being terminated under it is
/// killed at once instead of waiting out the rest of its grace period.
///
/// A run stops on a first SIGINT or SIGTERM by terminating its commands gracefully (SIGTERM, then
/// SIGKILL after the grace). A second signal means "now": the caller throws the switch, the
/// groups get SIGKILL, and the run still records what was interrupted and saves its checkpoint
/// well inside a CI runner's own SIGKILL deadline. Children find the switch through
/// ``current``, bound around the work that starts them.
public final class KillSwitch: Sendable {
    /// The switch that children waited for in this task watch while they are terminated.
    @TaskLocal public static var current: KillSwitch?

    private struct State {
        var thrown = false
        var nextToken = 0
        var actions: [Int: @Sendable () -> Void] = [:]
    }
    private let state = Mutex(State())

    /// Creates a switch that has not been thrown.
    public init() {}

    /// Whether ``throwSwitch()`` has been called.
    public var isThrown: Bool {
        state.withLock { $0.thrown }
    }

    /// Throws the switch: runs every registered action once. Later calls do nothing.
    public func throwSwitch() {
        let actions = state.withLock { state -> [@Sendable () -> Void] in
            guard !state.thrown else { return [] }
            state.thrown = true
            defer { state.actions.removeAll() }
            return Array(state.actions.values)
        }
        // Outside the lock: an action takes its child's lock, which may be held by a caller of
        // `register` waiting for ours.
        actions.forEach { $0() }
    }

    /// Registers `action` to run when the switch is thrown.
    ///
    /// - Returns: a token for ``unregister(_:)``, or `nil` when the switch is already thrown
    ///   (`action` is then not run: the caller acts itself).
    func register(_ action: @escaping @Sendable () -> Void) -> Int? {
        state.withLock { state in
            guard !state.thrown else { return nil }
            state.nextToken += 1
            state.actions[state.nextToken] = action
            return state.nextToken
        }
    }

    /// Forgets the action registered under `token`.
    func unregister(_ token: Int) {
        _ = state.withLock { $0.actions.removeValue(forKey: token) }
    }
}
