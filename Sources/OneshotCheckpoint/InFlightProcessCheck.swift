import OneshotSystem

/// Checks the process each in-flight record names as a checkpoint is loaded: a resume may
/// signal, adopt or sweep the group of that pid, so a pid that oneshot cannot have started, or
/// a start time this boot has not reached yet (which would make any process with that pid
/// "started no later than recorded"), is forgotten with a warning. The record itself stays: the
/// attempt was running, and is then found by its exit status or is UNCERTAIN.
struct InFlightProcessCheck {
    /// The file, for the warnings.
    let path: String

    /// The pids a child of oneshot can have: not init, not 0 or negative (`kill` would reach
    /// every process or a whole group), nor above Linux's largest `pid_max`.
    static let pids: ClosedRange<Int32> = 2...4_194_304

    /// Forgets the unusable processes of `checkpoint`'s in-flight records.
    ///
    /// - Returns: one line per record changed, naming the file, the workstream and the value.
    func check(_ checkpoint: inout Checkpoint) -> [String] {
        guard let records = checkpoint.inFlight else { return [] }
        var warnings: [String] = []
        let now = ProcessInspector.ticksSinceBoot()
        checkpoint.inFlight = records.map { record in
            guard let problem = problem(with: record, now: now) else { return record }
            warnings.append(
                "\(path): in_flight \(record.id.prefix(40)): \(problem); its process is never looked for or signalled")
            var record = record
            record.pid = nil
            record.processStart = nil
            record.unreadableProcess = nil
            return record
        }
        return warnings
    }

    private func problem(with record: InFlightRecord, now: UInt64?) -> String? {
        if let unreadable = record.unreadableProcess { return unreadable }
        if let pid = record.pid, !Self.pids.contains(pid) {
            return "pid \(pid) is not one oneshot can have started (expected \(Self.pids.lowerBound) to \(Self.pids.upperBound))"
        }
        if let start = record.processStart, let now, record.bootID != nil, record.bootID == Machine.bootID, start > now {
            return "process_start \(start) is later than now on this boot (the boot is \(now) clock ticks old)"
        }
        return nil
    }
}
