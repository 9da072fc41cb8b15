import Foundation

/// Names of the breaker's states as ``OneshotCheckpoint/BreakerSnapshot/state`` numbers them.
enum BreakerNames {
    /// `closed`, `open` or `half-open`.
    static func name(_ state: Int) -> String {
        switch state {
        case 0: "closed"
        case 1: "open"
        case 2: "half-open"
        default: "state \(state)"
        }
    }
}

extension Date {
    /// The time `milliseconds` after the Unix epoch.
    init(milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
