import Foundation

/// Threads of oneshot's own (an event loop, a waiter), named for the system.
enum NamedThread {
    /// Starts a thread named `name` (as `ps -L`, `/proc`, debuggers and profilers show it) that
    /// runs `body`. Foundation on Linux keeps `Thread.name` to itself: the thread would otherwise
    /// carry the name of whichever thread started it.
    static func start(_ name: String, stackSize: Int, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread {
            HiddenLibCFunction.nameThisThread(name)
            body()
        }
        thread.name = name
        thread.stackSize = stackSize
        thread.start()
    }
}
