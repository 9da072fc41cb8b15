import OneshotSystem

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds and stops what a crashed run left running: each child of oneshot has its own process
/// group, so a `kill -9` of oneshot does not stop them.
///
/// Only a process this machine may call its own is ever signalled: recorded on this boot, with
/// this host (containers on one machine share its boot), a pid above 1 that is not oneshot itself
/// or its group, still the same process (started no later than recorded), and still the leader of
/// its group.
public enum OrphanReaper {
    /// The recorded process, if it runs on this boot of this host and may be signalled; `nil`
    /// otherwise.
    public static func liveProcess(of record: InFlightRecord) -> Int32? {
        guard let pid = record.pid, let start = record.processStart, isSignallable(pid), isThisMachine(record),
            ProcessInspector.isRunning(pid, startedBy: start), ProcessInspector.processGroup(of: pid) == pid
        else { return nil }
        return pid
    }

    /// Whether `pid` is one oneshot may ever signal as a group: not init, not a negative or
    /// special pid, not oneshot itself or its own group.
    public static func isSignallable(_ pid: Int32) -> Bool {
        pid > 1 && pid != Syscall.processID && pid != Syscall.processGroupID
    }

    /// Whether `record` was written on this boot of this host, in this pid namespace.
    /// Containers on one machine share its kernel, and so its boot id, but not their pids: a
    /// record carried from another container (another host name, or another pid namespace
    /// under the same name) names someone else's process here.
    public static func isThisMachine(_ record: InFlightRecord) -> Bool {
        record.bootID != nil && record.bootID == Machine.bootID && (record.host ?? Machine.hostName) == Machine.hostName
            && !isOtherPidNamespace(record)
    }

    /// Whether `record` names a pid namespace, and not this one.
    private static func isOtherPidNamespace(_ record: InFlightRecord) -> Bool {
        guard let recorded = record.pidNamespace, let here = Machine.pidNamespace else { return false }
        return recorded != here
    }

    /// Where the record says its process ran, when that is not this boot of this host:
    /// `"on HOST"`, or `nil` when it is (or nothing was recorded).
    public static func elsewhere(_ record: InFlightRecord) -> String? {
        let otherHost = record.host.map { $0 != Machine.hostName } ?? false
        let otherNamespace = isOtherPidNamespace(record)
        guard record.pid != nil, record.bootID != Machine.bootID || otherHost || otherNamespace else { return nil }
        let host = record.host ?? "an unknown host"
        if record.bootID == nil { return "on \(host) (no boot recorded)" }
        if record.bootID == Machine.bootID && !otherHost, let namespace = record.pidNamespace {
            return "in another pid namespace (pid:[\(namespace)]: another container)"
        }
        return host == Machine.hostName ? "on this host before it restarted" : "on \(host)"
    }

    /// Terminates the record's process group, if its process still runs here: SIGTERM, up to
    /// `grace` for the leader to exit, then SIGKILL; then kills what is left of the group.
    ///
    /// - Returns: how it was stopped ("SIGTERM", "SIGKILL after 5s"), or `nil` when there was
    ///   nothing to stop.
    @discardableResult
    public static func terminate(_ record: InFlightRecord, grace: Duration) -> String? {
        guard let pid = liveProcess(of: record), let start = record.processStart else { return nil }
        let pidfd: Int32? = if case .opened(let descriptor) = Pidfd.open(pid) { descriptor } else { nil }
        defer { pidfd.map(Syscall.close) }
        try? Syscall.kill(-pid, SIGTERM)
        var how = "SIGTERM"
        let exited = pidfd.map { Pidfd.waitForExit($0, timeout: grace) } ?? false
        if !exited && ProcessInspector.isRunning(pid, startedBy: start) {
            try? Syscall.kill(-pid, SIGKILL)
            how = "SIGKILL after \(grace)"
            // Gone when this returns: a sweep of the group that follows must not find it alive.
            _ = pidfd.map { Pidfd.waitForExit($0, timeout: SignalledExits.killWait) }
        }
        killStragglers(ofGroup: pid, startedNotBefore: start)
        return how
    }

    /// SIGKILLs the live members of an attempt's group once its leader is gone (a command's
    /// `(sleep 60 &)`), one by one: the group id itself may no longer be reserved. Returns once
    /// they have exited (`SignalledExits`): a sweep or a count that reads `/proc` afterwards
    /// must not find them again.
    ///
    /// - Returns: how many it killed: those still there to take the signal (one that ended
    ///   between the listing and the kill is not counted).
    @discardableResult
    public static func killStragglers(ofGroup group: Int32, startedNotBefore start: UInt64) -> Int {
        guard isSignallable(group) else { return 0 }
        let members = ProcessInspector.members(ofGroup: group, startedNotBefore: start).filter(isSignallable)
        return SignalledExits.afterSignalling(awaiting: members) {
            members.filter { (try? Syscall.kill($0, SIGKILL)) != nil }.count
        }
    }

    /// ``killStragglers(ofGroup:startedNotBefore:)`` for a record of this boot and host whose
    /// leader is gone; nothing for a record of another boot or host or one whose leader still runs.
    public static func sweep(_ record: InFlightRecord) -> Int {
        guard let pid = record.pid, let start = record.processStart, isThisMachine(record),
            liveProcess(of: record) == nil
        else { return 0 }
        return killStragglers(ofGroup: pid, startedNotBefore: start)
    }
}
