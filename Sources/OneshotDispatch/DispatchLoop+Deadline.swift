import Foundation
import OneshotGraph
import OneshotWorkstreams

/// `--deadline`: the timer that ends the run and what is set aside for not fitting before it.
extension DispatchLoop {
    /// Wakes the loop at ``DispatchOptions/deadline``, on the injected clock.
    mutating func startDeadlineTimer(_ group: inout TaskGroup<ChildResult>) {
        guard let deadline = options.deadline else { return }
        let left = deadline.timeIntervalSince(time.now())
        guard left > 0 else {
            reachDeadline(&group)
            return
        }
        let sleep = time.sleep
        group.addTask {
            do {
                try await sleep(.milliseconds(Int64((left * 1000).rounded(.up))))
                return .deadlineDue(cancelled: false)
            } catch {
                return .deadlineDue(cancelled: true)
            }
        }
    }

    /// The deadline came: nothing new starts and every running attempt is cancelled, as on a
    /// signal; their outcomes are recorded (interrupted) and committed as the run winds down.
    mutating func reachDeadline(_ group: inout TaskGroup<ChildResult>) {
        guard !deadlineReached else { return }
        deadlineReached = true
        state.stopLaunching = true
        group.cancelAll()
    }

    /// Whether `node`'s known duration fits in the time left before the deadline; a workstream
    /// of unknown duration is given its chance.
    func fitsBeforeDeadline(_ node: Int) -> Bool {
        guard let deadline = options.deadline, let known = options.knownDurations[graph.workstreams[node].id] else {
            return true
        }
        return known <= deadline.timeIntervalSince(time.now())
    }
}
