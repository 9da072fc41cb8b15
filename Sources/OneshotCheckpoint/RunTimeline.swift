import OneshotSystem

/// When each attempt ran, across every run of a checkpoint: what `oneshot trace` and
/// `oneshot report` draw. Kept in the checkpoint (`timeline`, version 1.1) and copied into the
/// history when the run succeeds.
///
/// Times are milliseconds since the Unix epoch. An attempt is one array,
/// `[id, attempt, run, start_ms, duration_ms, status, exit_code, cost_usd]`, the last two left out
/// when unknown: some 50 bytes (an object with these keys took 120). Decoding is lenient: an entry that cannot be read is dropped, so a damaged timeline costs the
/// picture, never the checkpoint.
public struct RunTimeline: Codable, Sendable, Equatable {
    /// One attempt, from its launch to its end; written as an array (see ``RunTimeline``).
    public struct Span: Codable, Sendable, Equatable {
        /// The workstream's id.
        public var id: String
        /// The attempt number, 1 for the first try.
        public var attempt: Int
        /// The run (``Checkpoint/runs``) that recorded its end.
        public var run: Int
        /// When it was launched, ms since the epoch.
        public var startMS: Int64
        /// Its duration as the dispatcher measured it, in milliseconds.
        public var durationMS: Int
        /// How it ended: an ``AttemptStatus`` raw value.
        public var status: String
        /// Its exit code, when it exited.
        public var exitCode: Int32?
        /// The cost it reported, in US dollars.
        public var costUSD: Double?

        /// Reads `[id, attempt, run, start_ms, duration_ms, status, exit_code?, cost_usd?]`.
        public init(from decoder: any Decoder) throws {
            var fields = try decoder.unkeyedContainer()
            id = try fields.decode(String.self)
            attempt = try fields.decode(Int.self)
            run = try fields.decode(Int.self)
            startMS = try fields.decode(Int64.self)
            durationMS = try fields.decode(Int.self)
            status = try fields.decode(String.self)
            exitCode = fields.isAtEnd ? nil : try fields.decodeIfPresent(Int32.self)
            costUSD = fields.isAtEnd ? nil : try fields.decodeIfPresent(Double.self)
        }

        /// Writes the array, as ``write(to:)`` does.
        public func encode(to encoder: any Encoder) throws {
            var fields = encoder.unkeyedContainer()
            try fields.encode(id)
            try fields.encode(attempt)
            try fields.encode(run)
            try fields.encode(startMS)
            try fields.encode(durationMS)
            try fields.encode(status)
            if exitCode != nil || costUSD != nil {
                if let exitCode { try fields.encode(exitCode) } else { try fields.encodeNil() }
            }
            if let costUSD { try fields.encode(costUSD) }
        }

        /// Creates a span.
        public init(
            id: String, attempt: Int, run: Int, startMS: Int64, durationMS: Int, status: String, exitCode: Int32? = nil,
            costUSD: Double? = nil
        ) {
            self.id = id
            self.attempt = attempt
            self.run = run
            self.startMS = startMS
            self.durationMS = durationMS
            self.status = status
            self.exitCode = exitCode
            self.costUSD = costUSD
        }

        /// When it ended, ms since the epoch.
        public var endMS: Int64 { startMS + Int64(durationMS) }
    }

    /// One run of oneshot on the checkpoint: the first, or a resume.
    public struct Run: Codable, Sendable, Equatable {
        /// Its number, 1 for the first.
        public var run: Int
        /// When it started, ms since the epoch.
        public var startMS: Int64
        /// When it last wrote the checkpoint: its end, once it ended.
        public var endMS: Int64?
        /// Its `--deadline`, if it had one.
        public var deadlineMS: Int64?

        enum CodingKeys: String, CodingKey {
            case run
            case startMS = "start_ms"
            case endMS = "end_ms"
            case deadlineMS = "deadline_ms"
        }

        /// Creates a run.
        public init(run: Int, startMS: Int64, endMS: Int64? = nil, deadlineMS: Int64? = nil) {
            self.run = run
            self.startMS = startMS
            self.endMS = endMS
            self.deadlineMS = deadlineMS
        }
    }

    /// A transition of the circuit breaker.
    public struct BreakerChange: Codable, Sendable, Equatable {
        /// When it happened, ms since the epoch.
        public var atMS: Int64
        /// The state entered: 0 closed, 1 open, 2 half-open (as ``BreakerSnapshot/state``).
        public var state: Int
        /// While open, when the open period ends.
        public var untilMS: Int64?

        enum CodingKeys: String, CodingKey {
            case state
            case atMS = "at_ms"
            case untilMS = "until_ms"
        }

        /// Creates a transition.
        public init(atMS: Int64, state: Int, untilMS: Int64? = nil) {
            self.atMS = atMS
            self.state = state
            self.untilMS = untilMS
        }
    }

    /// The runs, in order.
    public var runs: [Run]
    /// The attempts that ended, in the order they ended.
    public var attempts: [Span]
    /// The breaker's transitions, in order.
    public var breaker: [BreakerChange]

    /// Creates a timeline.
    public init(runs: [Run] = [], attempts: [Span] = [], breaker: [BreakerChange] = []) {
        self.runs = runs
        self.attempts = attempts
        self.breaker = breaker
    }

    enum CodingKeys: String, CodingKey {
        case runs, attempts, breaker
    }

    /// Decodes what can be read; an entry that cannot is dropped, and a timeline that is not an
    /// object is empty.
    public init(from decoder: any Decoder) throws {
        let container = try? decoder.container(keyedBy: CodingKeys.self)
        self.init(
            runs: Self.lenient([Run].self, .runs, container), attempts: Self.lenient([Span].self, .attempts, container),
            breaker: Self.lenient([BreakerChange].self, .breaker, container))
    }

    private static func lenient<Element: Decodable>(
        _ type: [Element].Type, _ key: CodingKeys, _ container: KeyedDecodingContainer<CodingKeys>?
    ) -> [Element] {
        guard var list = try? container?.nestedUnkeyedContainer(forKey: key) else { return [] }
        var elements: [Element] = []
        while !list.isAtEnd {
            if let element = try? list.decode(Element.self) {
                elements.append(element)
            } else if (try? list.decode(Skipped.self)) == nil {
                break
            }
        }
        return elements
    }

    /// Any JSON value: steps over an entry that is not an `Element`.
    private struct Skipped: Decodable {
        init(from decoder: any Decoder) throws {}
    }
}

extension RunTimeline: JSONWritable {
    /// Writes the value as the checkpoint file holds it, keys sorted.
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("attempts", attempts)
        writer.field("breaker", breaker)
        writer.field("runs", runs)
        writer.endObject()
    }
}

extension RunTimeline.Span: JSONWritable {
    /// Writes the array the checkpoint file holds.
    public func write(to writer: inout JSONWriter) {
        writer.beginArray()
        writer.string(id)
        writer.integer(attempt)
        writer.integer(run)
        writer.integer(startMS)
        writer.integer(durationMS)
        writer.string(status)
        if exitCode != nil || costUSD != nil {
            if let exitCode { writer.integer(exitCode) } else { writer.null() }
        }
        if let costUSD { writer.number(costUSD) }
        writer.endArray()
    }
}

extension RunTimeline.Run: JSONWritable {
    /// Writes the value as the checkpoint file holds it, keys sorted.
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("deadline_ms", deadlineMS)
        writer.field("end_ms", endMS)
        writer.field("run", run)
        writer.field("start_ms", startMS)
        writer.endObject()
    }
}

extension RunTimeline.BreakerChange: JSONWritable {
    /// Writes the value as the checkpoint file holds it, keys sorted.
    public func write(to writer: inout JSONWriter) {
        writer.beginObject()
        writer.field("at_ms", atMS)
        writer.field("state", state)
        writer.field("until_ms", untilMS)
        writer.endObject()
    }
}
