import Foundation
import OneshotCheckpoint
import OneshotSystem
import Synchronization

/// What attempts of an earlier run started outside their process groups (`setsid cmd &`, a
/// daemon) and that outlived the oneshot whose subreaper would have ended them with their
/// attempts: once a killed oneshot's children are re-parented to init, only the environment they
/// inherited (`ONESHOT_EXIT_FILE`, `ONESHOT_ATTEMPT`) still ties them to their attempt.
///
/// `/proc` is read once, at the first question, however many attempts a resume asks about: a
/// pass over every process's `stat` and `environ` costs milliseconds, too much per attempt when
/// a killed run left a hundred in flight.
final class EscapedProcesses: Sendable {
    /// The entry every process started by an attempt of this project's feature carries.
    private let prefix: String
    private let found = Mutex<[(pid: Int32, start: UInt64, environment: Set<String>)]?>(nil)

    /// - Parameter logFolder: the absolute folder of the feature's logs, which the attempts'
    ///   `ONESHOT_EXIT_FILE` paths name.
    init(logFolder: String) {
        prefix = "ONESHOT_EXIT_FILE=\(logFolder)/"
    }

    /// SIGKILLs the processes of `record`'s attempt (whose shell left its status in `exitFile`)
    /// started no earlier than the attempt and outside its process group: those holding its
    /// exit file and attempt number. A member of the attempt's own group is the group sweep's
    /// (`OrphanReaper.sweep`), not an escapee: one that sweep has just SIGKILLed may still be
    /// running for a moment on a loaded machine, and was counted twice.
    ///
    /// - Returns: how many it signalled: alive, with the start it was found with, as it was
    ///   signalled.
    func kill(of record: InFlightRecord, exitFile: String) -> Int {
        guard let start = record.processStart else { return 0 }
        let marks = ["ONESHOT_EXIT_FILE=\(exitFile)", "ONESHOT_ATTEMPT=\(record.attempt)"]
        let candidates = found.withLock { found in
            if found == nil { found = ProcessInspector.processes(withEnvironmentEntryPrefixed: prefix) }
            return found ?? []
        }
        let escapees = candidates.filter {
            $0.start >= start && OrphanReaper.isSignallable($0.pid) && marks.allSatisfy($0.environment.contains)
        }
        var killed = 0
        for escapee in escapees where ProcessInspector.startTime(of: escapee.pid) == escapee.start {
            guard let group = ProcessInspector.processGroup(of: escapee.pid), group != record.pid else { continue }
            let leads = group == escapee.pid
            if (try? Syscall.kill(leads ? -escapee.pid : escapee.pid, SIGKILL)) != nil { killed += 1 }
        }
        return killed
    }
}
