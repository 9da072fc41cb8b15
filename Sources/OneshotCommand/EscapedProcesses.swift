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
    /// An escapee leading a group is killed with its group, and the escapees in that group are
    /// not signalled again: on a loaded machine they may still run after the group's SIGKILL,
    /// and each was signalled and counted a second time. Returns once they have exited.
    ///
    /// - Returns: how many it killed: the escapees alive, with the start they were found with,
    ///   when they were signalled (through their group or on their own), each counted once.
    func kill(of record: InFlightRecord, exitFile: String) -> Int {
        guard let start = record.processStart else { return 0 }
        let marks = ["ONESHOT_EXIT_FILE=\(exitFile)", "ONESHOT_ATTEMPT=\(record.attempt)"]
        let candidates = found.withLock { found in
            if found == nil { found = ProcessInspector.processes(withEnvironmentEntryPrefixed: prefix) }
            return found ?? []
        }
        // Which are alive, and in which group, is read for all before any is signalled.
        let escapees = candidates.compactMap { candidate -> (pid: Int32, group: Int32)? in
            guard candidate.start >= start, OrphanReaper.isSignallable(candidate.pid),
                marks.allSatisfy(candidate.environment.contains),
                ProcessInspector.startTime(of: candidate.pid) == candidate.start,
                let group = ProcessInspector.processGroup(of: candidate.pid), group != record.pid
            else { return nil }
            return (candidate.pid, group)
        }
        let leaders = Set(escapees.filter { $0.pid == $0.group }.map(\.pid))
        return SignalledExits.afterSignalling(awaiting: escapees.map(\.pid)) {
            let killedGroups = leaders.filter { (try? Syscall.kill(-$0, SIGKILL)) != nil }
            return escapees.filter { escapee in
                if leaders.contains(escapee.group) { return killedGroups.contains(escapee.group) }
                return (try? Syscall.kill(escapee.pid, SIGKILL)) != nil
            }.count
        }
    }
}
