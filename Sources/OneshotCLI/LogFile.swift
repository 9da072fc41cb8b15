import Foundation

/// A workstream's log as the executor writes it: attempts appended one after another, each
/// opened by `=== <id> attempt N · <time> · <command>` and, once it ended, closed by
/// `=== <id> attempt N ended: …`.
struct LogFile {
    /// One attempt's lines, its header first.
    struct Attempt {
        var number: Int
        var lines: [String]
        /// Whether its closing line was written.
        var ended: Bool
    }

    let workstreamID: String
    /// Lines before the first header (none, unless the file was written by hand).
    var preamble: [String] = []
    var attempts: [Attempt] = []

    /// Splits `text` into attempts.
    init(_ text: String, workstreamID: String) {
        self.workstreamID = workstreamID
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        for line in lines {
            if let number = attemptNumber(opening: line) {
                // The blank line the header starts with separates attempts: it belongs to neither.
                if attempts.last?.lines.last == "" { attempts[attempts.count - 1].lines.removeLast() }
                if preamble.last == "" { preamble.removeLast() }
                attempts.append(Attempt(number: number, lines: [line], ended: false))
            } else if attempts.isEmpty {
                preamble.append(line)
            } else {
                attempts[attempts.count - 1].lines.append(line)
                if isClosing(line) { attempts[attempts.count - 1].ended = true }
            }
        }
    }

    /// The attempt number of a header line, if `line` is one.
    func attemptNumber(opening line: String) -> Int? {
        let prefix = "=== \(workstreamID) attempt "
        guard line.hasPrefix(prefix) else { return nil }
        let rest = line.dropFirst(prefix.count)
        let digits = rest.prefix { $0.isNumber }
        guard rest.dropFirst(digits.count).hasPrefix(" · ") else { return nil }
        return Int(digits)
    }

    /// Whether `line` closes an attempt.
    func isClosing(_ line: String) -> Bool {
        line.hasPrefix("=== \(workstreamID) attempt ") && line.contains(" ended: ")
    }

    /// Every line, or the latest attempt numbered `number`'s; `nil` when there is no such attempt.
    func lines(attempt number: Int?) -> [String]? {
        guard let number else {
            return preamble + attempts.enumerated().flatMap { index, attempt in (index == 0 ? [] : [""]) + attempt.lines }
        }
        return attempts.last { $0.number == number }?.lines
    }
}
