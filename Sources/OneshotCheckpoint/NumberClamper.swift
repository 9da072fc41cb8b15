/// Clamps a checkpoint's numbers into ``CheckpointLimits``, noting each one it changes: a
/// wall-clock step or a command's absurd report must not cost the progress around it.
struct NumberClamper {
    /// The file, for the warnings.
    let path: String
    /// One line per number clamped.
    private(set) var warnings: [String] = []

    init(path: String) {
        self.path = path
    }

    mutating func clamp(_ checkpoint: inout Checkpoint) {
        if var breaker = checkpoint.circuitBreaker {
            clampBreaker(&breaker)
            checkpoint.circuitBreaker = breaker
        }
        if let inFlight = checkpoint.inFlight {
            checkpoint.inFlight = inFlight.map { record in
                var record = record
                record.attempt = clamp(record.attempt, CheckpointLimits.attempt, "in_flight attempt of \(record.id.prefix(40))")
                return record
            }
        }
        if var records = checkpoint.workstreams {
            for id in records.keys.sorted() {
                guard var record = records[id] else { continue }
                clampRecord(&record, id: id)
                records[id] = record
            }
            checkpoint.workstreams = records
        }
        checkpoint.runs = checkpoint.runs.map { clamp($0, CheckpointLimits.count, "runs") }
        checkpoint.elapsedMS = checkpoint.elapsedMS.map { clamp($0, CheckpointLimits.durationMS, "elapsed_ms") }
        checkpoint.costUSD = checkpoint.costUSD.map { clamp($0, CheckpointLimits.costUSD, "cost_usd") }
        checkpoint.journalSeq = checkpoint.journalSeq.map { clamp($0, 0...Int.max, "journal_seq") }
    }

    private mutating func clampBreaker(_ breaker: inout BreakerSnapshot) {
        if !(0...2).contains(breaker.state) {
            // Half-open restores as open with its period over: the run starts with one probe.
            warnings.append(
                "\(path): circuit_breaker.state is \(breaker.state); expected 0 (closed), 1 (open) or 2 (half-open); treated as half-open"
            )
            breaker.state = 2
        }
        breaker.failureCount = clamp(breaker.failureCount, CheckpointLimits.count, "circuit_breaker.failure_count")
        breaker.successCount = clamp(breaker.successCount, CheckpointLimits.count, "circuit_breaker.success_count")
        breaker.consecutiveOpens = clamp(breaker.consecutiveOpens, CheckpointLimits.count, "circuit_breaker.consecutive_opens")
    }

    private mutating func clampRecord(_ record: inout WorkstreamRecord, id: String) {
        let name = "workstreams.\(id.prefix(40))"
        record.attempts = clamp(record.attempts, CheckpointLimits.count, "\(name).attempts")
        record.durationMS = clamp(record.durationMS, CheckpointLimits.durationMS, "\(name).duration_ms")
        record.lastSuccessMS = record.lastSuccessMS.map { clamp($0, CheckpointLimits.durationMS, "\(name).last_success_ms") }
        record.costUSD = record.costUSD.map { clamp($0, CheckpointLimits.costUSD, "\(name).cost_usd") }
    }

    private mutating func clamp<Value: Comparable>(_ value: Value, _ range: ClosedRange<Value>, _ field: String) -> Value {
        let clamped = CheckpointLimits.clamp(value, range)
        if clamped != value {
            warnings.append(
                "\(path): \(field) is \(value); expected \(range.lowerBound) to \(range.upperBound); using \(clamped)")
        }
        return clamped
    }
}
