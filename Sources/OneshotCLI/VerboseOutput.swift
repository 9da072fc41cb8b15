import Foundation
import Oneshot
import OneshotSystem
import Synchronization

/// `-v`: streams each running workstream's output to the terminal as its command writes it,
/// each line prefixed with the workstream's id (as `docker compose` does), in a colour of its
/// own on a terminal.
///
/// Commands write to their log files, never to a pipe of oneshot's (an attempt must outlive a
/// killed oneshot); this follows the files. One thread waits for the log folder to change
/// (inotify) and prints the lines completed since; each workstream's remaining output is
/// printed when its attempt ends, before its result line. Every line goes out whole, through
/// the human output's lock, so lines of concurrent workstreams never interleave mid-line.
final class VerboseOutput: RunObserver {
    private struct State {
        var readers: [String: LineReader] = [:]
        var stopped = false
    }

    private let human: HumanOutput
    private let logFolder: String
    private let width: Int
    private let colours: [String: Int]
    private let state = Mutex(State())
    private let watcher: FileWatcher?

    /// The ANSI colours workstreams take in turn, in graph order.
    private static let palette = [36, 33, 32, 35, 34, 31, 96, 93, 92, 95, 94, 91]

    init(human: HumanOutput, colour: Bool, graph: WorkstreamGraph, logFolder: String) {
        self.human = human
        self.logFolder = logFolder
        width = graph.workstreams.map(\.id.count).max() ?? 0
        colours =
            colour
            ? Dictionary(
                graph.workstreams.enumerated().map { ($1.id, Self.palette[$0 % Self.palette.count]) },
                uniquingKeysWith: { first, _ in first }) : [:]
        // The folder is made now, so that it can be watched before the first attempt makes it.
        try? Syscall.makeDirectories(logFolder)
        watcher = try? FileWatcher(folders: [logFolder])
        let thread = Thread { [self] in follow() }
        thread.name = "oneshot.verbose"
        thread.start()
    }

    func handle(_ event: RunEvent) {
        switch event {
        case let .workstreamStarted(id, _):
            let path = "\(logFolder)/\(id).log"
            let size = ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int) ?? 0
            state.withLock { $0.readers[id] = LineReader(path: path, offset: size) }
        case .workstreamFinished(let report):
            drain(report.id, ended: true)
        case let .infrastructureFailed(id, _, _, _):
            drain(id, ended: true)
        case .runFinished:
            stop()
        default:
            break
        }
    }

    func finish(_ report: RunReport?, exitCode: ExitCode) {
        stop()
    }

    func resume(_ plan: ResumePlan, previous: Checkpoint?, graph: WorkstreamGraph) {}
    func warning(_ message: String) {}
    func tick() {}
    func note(_ message: String) {}

    /// The thread's loop: waits for a log to change, prints what every running workstream wrote.
    private func follow() {
        while !state.withLock({ $0.stopped }) {
            // Inotify wakes it at once; the timeout only bounds a missed event (and is the
            // wake-up where there is no inotify).
            _ = watcher?.wait(timeout: .milliseconds(500))
            let ids = state.withLock { Array($0.readers.keys) }
            ids.forEach { drain($0, ended: false) }
        }
    }

    /// Prints the lines `id`'s log gained; once its attempt `ended`, the unfinished last line too,
    /// and forgets it.
    private func drain(_ id: String, ended: Bool) {
        state.withLock { state in
            guard var reader = state.readers[id] else { return }
            let lines = Self.output(reader.newLines(final: ended), of: id)
            state.readers[id] = ended ? nil : reader
            guard !lines.isEmpty else { return }
            human.streamed(lines.map { prefix(id) + $0 })
        }
    }

    /// The command's lines, without the log's header and footer (and the blank line the header
    /// starts with).
    private static func output(_ lines: [String], of id: String) -> [String] {
        let marker = "=== \(id) attempt "
        return lines.indices.compactMap { index in
            let line = lines[index]
            if line.hasPrefix(marker) { return nil }
            if line.isEmpty, index + 1 < lines.count, lines[index + 1].hasPrefix(marker) { return nil }
            return line
        }
    }

    private func prefix(_ id: String) -> String {
        let label = id.padding(to: width) + " |"
        guard let colour = colours[id] else { return label + " " }
        return "\u{1B}[\(colour)m\(label)\u{1B}[0m "
    }

    private func stop() {
        let ids = state.withLock { state in
            defer { state.stopped = true }
            return Array(state.readers.keys)
        }
        ids.forEach { drain($0, ended: true) }
        watcher?.wake()
    }
}
