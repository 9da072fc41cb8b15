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

    /// Starts a thread named `name` that reads the pipe `fd` (the read end of a signal handler's
    /// self-pipe) until it is closed, and hands each read's bytes, a whole number of `Element`s,
    /// to `handle`. A handler's writes are smaller than `PIPE_BUF`, so never split.
    static func readingPipe<Element: FixedWidthInteger & Sendable>(
        _ name: String, _ fd: Int32, of type: Element.Type, _ handle: @escaping @Sendable ([Element]) -> Void
    ) {
        start(name, stackSize: 64 * 1024) {
            var buffer = [Element](repeating: 0, count: 64)
            while true {
                // Raw `read` of a signal handler's pipe (see `Syscall`, the one exception): it
                // blocks until a handler writes, and only its closing (0) or `EINTR` stop it.
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count == -1 && errno == EINTR { continue }
                guard count > 0 else { return }
                handle(Array(buffer.prefix(count / MemoryLayout<Element>.size)))
            }
        }
    }
}
