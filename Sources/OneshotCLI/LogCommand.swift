import Foundation
import Oneshot
import OneshotSystem

/// `oneshot log F052 00-052-06`: prints a workstream's log, one attempt of it (`--attempt N`),
/// its last lines (`--tail N`), and with `-f` goes on printing what the running attempt writes
/// until that attempt ends or the run does.
struct LogCommand {
    let arguments: LogArguments
    let console: Console

    private var logFolder: String { ".sdp/logs/\(arguments.featureID)" }
    private var path: String { "\(logFolder)/\(arguments.workstreamID).log" }
    private var lock: String { CheckpointPaths(featureID: arguments.featureID).lock }

    /// The largest log read (whole, to find its attempts): a bigger one (a chatty command, a
    /// sparse file of 100 GB put in its place) is refused with its size rather than allocated,
    /// which crashed oneshot.
    static let largestLog = 256 << 20

    func execute() -> ExitCode {
        if let code = ProjectRoot.enter(arguments.projectRoot, reportingTo: console) { return code }
        let running = FileLock.isHeld(lock)
        // An empty log is one opened ahead of its attempt (a parked shell, or a run killed before
        // the launch): nothing has run yet.
        let data: [UInt8]
        switch try? Syscall.readWholeFile(path, limit: Self.largestLog) {
        case .contents(let bytes)? where !bytes.isEmpty: data = bytes
        case .contents?: return noLog(running: running, empty: true)
        case .notRegular?:
            // Never opened blocking: a FIFO there with no writer would hang a plain read.
            console.error("cannot read the log \(path): not a regular file")
            return .invalidInput
        case .tooLarge(let size)?:
            console.error(
                "cannot show the log \(path): \(size) bytes, more than 'oneshot log' reads (\(Self.largestLog)); read it with tail or less"
            )
            return .invalidInput
        default: return noLog(running: running)
        }
        let log = LogFile(String(decoding: data, as: UTF8.self), workstreamID: arguments.workstreamID)
        guard let selected = log.lines(attempt: arguments.attempt) else {
            let numbers = log.attempts.map { String($0.number) }
            console.error(
                "\(arguments.workstreamID) has no attempt \(arguments.attempt ?? 0) in \(path) (attempts: \(numbers.isEmpty ? "none" : numbers.joined(separator: ", ")))"
            )
            return .invalidInput
        }
        let shown = arguments.tail.map { Array(selected.suffix($0)) } ?? selected
        shown.forEach(console.out)
        let latest = log.attempts.last
        let isLatest = arguments.attempt == nil || arguments.attempt == latest?.number
        guard arguments.follow, running, isLatest, !(latest?.ended ?? false) else { return .success }
        return follow(from: data.count)
    }

    /// No log file, or an empty one: an unknown workstream is a usage error (exit 2); a known one
    /// has not run yet (exit 5), unless `-f` waits for its first attempt while a run goes on.
    private func noLog(running: Bool, empty: Bool = false) -> ExitCode {
        let files = try? FeatureFiles.load(arguments.featureID, featuresFolder: arguments.featuresFolder)
        guard let files, files.graph.node(arguments.workstreamID) != nil else {
            let known = files.map {
                " (its workstreams: \($0.graph.workstreams.map(\.id).sorted().prefix(12).joined(separator: ", ")))"
            }
            console.error(
                "no workstream '\(arguments.workstreamID)' in \(arguments.featureID)\(known ?? "") and no log at \(path)")
            console.hint("see 'oneshot list \(arguments.featureID)'")
            return .invalidInput
        }
        if arguments.follow && running && arguments.attempt == nil { return follow(from: 0) }
        let why = empty ? "its log \(path) is empty, opened ahead of an attempt that never started" : "no log at \(path)"
        console.error("\(arguments.workstreamID) has not run yet: \(why)")
        return .noCheckpoint
    }

    /// Prints what is appended to the log from `offset`, line by line, until the attempt's
    /// closing line is written or no run holds the feature's lock any more.
    private func follow(from offset: Int) -> ExitCode {
        let watcher: FileWatcher
        do {
            watcher = try FileWatcher(folders: [logFolder], files: [lock])
        } catch {
            console.error("cannot follow \(path): \(error)")
            return ExitCode(error)
        }
        let closing = LogFile("", workstreamID: arguments.workstreamID)
        var reader = LineReader(path: path, offset: offset)
        while true {
            // Read after asking about the lock: what the run wrote before it ended is printed.
            let running = FileLock.isHeld(lock)
            for line in reader.newLines(final: !running) {
                console.out(line)
                if closing.isClosing(line) { return .success }
            }
            guard running else {
                console.hint(
                    "the run of \(arguments.featureID) ended before this attempt did (see 'oneshot status \(arguments.featureID)')"
                )
                return .success
            }
            // Inotify wakes this at once; the timeout only bounds a missed event.
            _ = watcher.wait(timeout: .seconds(1))
        }
    }
}
