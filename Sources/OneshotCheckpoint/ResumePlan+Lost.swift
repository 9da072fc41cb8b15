extension ResumePlan {
    /// The estimated time to recreate the LOST work (``toRetry``: failed or interrupted, to be
    /// computed again), from known durations of earlier successful attempts.
    ///
    /// - Parameter knownDurations: seconds by workstream id (the checkpoint's and the history's).
    /// - Returns: the sum in milliseconds of the durations known, and the lost workstreams whose
    ///   duration is not known, in id order.
    public func timeToRecreate(knownDurations: [String: Double]) -> (milliseconds: Int, unknown: [String]) {
        var milliseconds = 0
        var unknown: [String] = []
        for id in toRetry {
            if let seconds = knownDurations[id], seconds.isFinite, seconds >= 0 {
                milliseconds += Int(min(seconds * 1000, Double(Int.max / 4)))
            } else {
                unknown.append(id)
            }
        }
        return (milliseconds, unknown.sorted())
    }
}
