import Oneshot
import Synchronization

/// The observers of a run, made once the run has opened its feature (they need its plan), and
/// what the signal handling needs to know of the run: whether it is verifying uncertain work.
final class RunObservers: Sendable {
    private struct State {
        var observers: [any RunObserver] = []
        var start: FeatureRun.Start?
        var verifying = false
        /// Whether the dispatcher has started: the clock of the status line and the CI
        /// heartbeat move from then on.
        var dispatching = false
        /// Said once, just before the run's first event: `-j` capped by the descriptors.
        var beforeFirstEvent: [String] = []
    }
    private let state = Mutex(State())

    /// Sets the observers once the run has opened.
    func opened(_ start: FeatureRun.Start, observers: [any RunObserver], beforeFirstEvent: [String]) {
        state.withLock {
            $0.start = start
            $0.observers = observers
            $0.beforeFirstEvent = beforeFirstEvent
        }
    }

    /// What the run found when it opened.
    var start: FeatureRun.Start? { state.withLock { $0.start } }

    /// Whether the run is running `verify:` commands (a signal then stops them, said afterwards).
    var isVerifying: Bool {
        get { state.withLock { $0.verifying } }
        set { state.withLock { $0.verifying = newValue } }
    }

    /// The lines held until the run's first event, once; from then on ``tick()`` moves the
    /// clocks.
    func takeBeforeFirstEvent() -> [String] {
        state.withLock { state in
            defer { state.beforeFirstEvent = [] }
            state.dispatching = true
            return state.beforeFirstEvent
        }
    }

    /// Moves the clocks (status line, heartbeat) once the dispatcher has started.
    func tick() {
        guard state.withLock({ $0.dispatching }) else { return }
        forEach { $0.tick() }
    }

    /// Calls `body` with each observer.
    func forEach(_ body: (any RunObserver) -> Void) {
        state.withLock { $0.observers }.forEach(body)
    }

    /// A warning to every observer.
    func warning(_ message: String) { forEach { $0.warning(message) } }

    /// A note to every observer.
    func note(_ message: String) { forEach { $0.note(message) } }
}
