import Foundation

/// Waits that cancellation does not cut short.
enum Pause {
    /// Returns after `duration`, even in a cancelled task: an attempt being cancelled still
    /// waits for its job to end (the scheduler's grace) before its slot is given back.
    static func uncancellable(_ duration: Duration) async {
        let nanoseconds = duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(max(0, nanoseconds)))) {
                continuation.resume()
            }
        }
    }
}
