import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Gates: what a workstream waits on until the test lets it go, without polling for a file.
///
/// A gate is a FIFO; the workstream's `read _ < gate || :` blocks (in `open`, then in `read`)
/// until ``TemporaryProject/openGate(_:)``, which wakes every waiting reader and leaves an empty
/// regular file in the FIFO's place, so that a reader that comes later passes at once: opened,
/// a gate stays open, as the file `touch`ed for a `while [ ! -f … ]` loop did.
extension TemporaryProject {
    /// Makes `name` (relative to the project) a closed gate.
    func gate(_ name: String) throws {
        let fifo = file(name)
        try FileManager.default.createDirectory(
            atPath: (fifo as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard mkfifo(fifo, 0o644) == 0 else { throw GateError(message: "mkfifo \(fifo): errno \(errno)") }
        closedGates.withLock { _ = $0.insert(name) }
    }

    /// Opens gate `name` for good: the workstreams waiting on it go on, and later ones pass.
    func openGate(_ name: String) throws {
        guard closedGates.withLock({ $0.remove(name) }) != nil else { return }
        let fifo = file(name)
        // Open for reading and writing (never blocks): a reader blocked in `open` now has a
        // writer, gets through and waits in `read` until that writer closes below.
        let held = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        defer { if held >= 0 { close(held) } }
        let replacement = fifo + ".open"
        guard FileManager.default.createFile(atPath: replacement, contents: nil), rename(replacement, fifo) == 0 else {
            throw GateError(message: "cannot open the gate \(fifo): errno \(errno)")
        }
    }

    struct GateError: Error {
        var message: String
    }
}
