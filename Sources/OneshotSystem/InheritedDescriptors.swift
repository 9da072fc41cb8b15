import Foundation

/// Descriptors oneshot inherited from its parent beyond stdin, stdout and stderr.
///
/// A parent may leave descriptors open across `exec` (Foundation's `Process` on Linux passes one
/// end of a socket pair and learns that its child ended when the socket closes). If oneshot's
/// commands inherited such a descriptor, a command that outlives oneshot would keep the parent
/// believing oneshot still runs. Marking them close-on-exec keeps them out of every command.
public enum InheritedDescriptors {
    /// Sets `FD_CLOEXEC` on every open descriptor from 3 up. Call it first thing in `main`.
    public static func closeOnExec() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        let descriptors = names.isEmpty ? Array(3..<256) : names.compactMap { Int32($0) }.filter { $0 >= 3 }
        descriptors.forEach(Syscall.setCloseOnExec)
    }
}
