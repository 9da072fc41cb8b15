import OneshotSystem

/// The timeline's attempts (``RunTimeline/attempts``) as a ``CheckpointState`` keeps them while
/// a run appends to them: in chunks of at most `chunkSize` spans.
///
/// In one array, the first span the run added after a fold had copied the state copied every
/// span (copy on write): at 100,000 workstreams some 9 MB more at the peak, at every fold, and
/// the array's growth held its old and new buffers at once. Here a copy shares the chunks, and
/// the run then copies the last one only.
struct SpanLog: Sendable, Equatable {
    /// How many spans a chunk holds (about 350 KB).
    static let chunkSize = 4096

    private var chunks: [[RunTimeline.Span]] = []
    /// The number of spans.
    private(set) var count = 0

    init(_ spans: [RunTimeline.Span] = []) {
        for span in spans { append(span) }
    }

    /// Adds `span` after the others.
    mutating func append(_ span: RunTimeline.Span) {
        if let last = chunks.indices.last, chunks[last].count < Self.chunkSize {
            chunks[last].append(span)
        } else {
            var chunk: [RunTimeline.Span] = []
            chunk.reserveCapacity(Self.chunkSize)
            chunk.append(span)
            chunks.append(chunk)
        }
        count += 1
    }

    /// The span at `index` (0 for the first).
    subscript(index: Int) -> RunTimeline.Span {
        chunks[index / Self.chunkSize][index % Self.chunkSize]
    }

    /// The last span, if any.
    var last: RunTimeline.Span? { chunks.last?.last }

    /// Every span, in one array.
    var all: [RunTimeline.Span] { chunks.flatMap { $0 } }

    /// Writes the spans from the one at `start` on as the values of the array `writer` is in.
    func write(from start: Int = 0, to writer: inout JSONWriter) {
        var index = start
        while index < count {
            let chunk = chunks[index / Self.chunkSize]
            for span in chunk[(index % Self.chunkSize)...] { span.write(to: &writer) }
            index += chunk.count - index % Self.chunkSize
        }
    }
}
