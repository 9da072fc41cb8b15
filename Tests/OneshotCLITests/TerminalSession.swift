import Foundation
import OneshotTestSupport
import Testing

#if os(Linux)
    /// The built `oneshot` started as the leader of a new session whose controlling terminal is a
    /// fresh pty, as from a terminal or an ssh session: closing the master end is the terminal
    /// closing (the kernel sends SIGHUP to the session's controlling process).
    final class TerminalSession {
        let pid: pid_t
        private var master: Int32
        let errPath: String

        /// Starts `oneshot arguments…` in `directory`; stdin and stdout are the terminal, stderr a file.
        ///
        /// - Parameters:
        ///   - environment: variables set (a `nil` value removes one, e.g. `CI`).
        ///   - columns: the terminal's width, if set before the start.
        init(
            _ arguments: [String], in directory: String, environment: [String: String?] = [:], columns: Int? = nil
        ) throws {
            master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC)
            guard master >= 0, let terminal = Self.unlockedTerminal(master) else {
                throw SessionError(message: "no pty: errno \(errno)")
            }
            if let columns { Self.setColumns(columns, of: master) }
            errPath = (directory as NSString).appendingPathComponent(".err-\(UUID().uuidString)")
            var attributes = posix_spawnattr_t()
            var actions = posix_spawn_file_actions_t()
            posix_spawnattr_init(&attributes)
            posix_spawn_file_actions_init(&actions)
            defer {
                posix_spawnattr_destroy(&attributes)
                posix_spawn_file_actions_destroy(&actions)
            }
            var empty = sigset_t()
            sigemptyset(&empty)
            var all = sigset_t()
            sigfillset(&all)
            posix_spawnattr_setsigmask(&attributes, &empty)
            posix_spawnattr_setsigdefault(&attributes, &all)
            // POSIX_SPAWN_SETSID (0x80): a new session; the first terminal it opens becomes its
            // controlling terminal.
            posix_spawnattr_setflags(&attributes, Int16(0x80 | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
            posix_spawn_file_actions_addopen(&actions, 0, terminal, O_RDWR, 0)
            posix_spawn_file_actions_adddup2(&actions, 0, 1)
            posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            let command = ["sh", "-c", "cd \"$0\" && exec \"$@\"", directory, OneshotBinary.url.path] + arguments
            let argv = command.map { strdup($0) } + [nil]
            var variables = ProcessInfo.processInfo.environment
            for (name, value) in environment { variables[name] = value }
            let envp = variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer {
                argv.forEach { free($0) }
                envp.forEach { free($0) }
            }
            var child: pid_t = 0
            let result = posix_spawn(&child, "/bin/sh", &actions, &attributes, argv, envp)
            guard result == 0 else { throw SessionError(message: "posix_spawn: errno \(result)") }
            pid = child
        }

        private typealias Unlock = @convention(c) (Int32) -> Int32
        private typealias Name = @convention(c) (Int32) -> UnsafeMutablePointer<CChar>?

        /// The name of the pty's terminal end, once unlocked. `unlockpt` and `ptsname` are not in the
        /// Glibc module (they need `_XOPEN_SOURCE`): looked up by name.
        private static func unlockedTerminal(_ master: Int32) -> String? {
            guard let library = dlopen(nil, RTLD_NOW), let unlock = dlsym(library, "unlockpt"),
                let name = dlsym(library, "ptsname")
            else { return nil }
            guard unsafeBitCast(unlock, to: Unlock.self)(master) == 0,
                let terminal = unsafeBitCast(name, to: Name.self)(master)
            else { return nil }
            return String(cString: terminal)
        }

        /// Resizes the terminal: the kernel sends SIGWINCH to its foreground process group.
        func resize(columns: Int) {
            Self.setColumns(columns, of: master)
        }

        private static func setColumns(_ columns: Int, of master: Int32) {
            var size = winsize(ws_row: 24, ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
            _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        }

        private var received: [UInt8] = []

        /// Everything written to the terminal so far (read without blocking).
        func output() -> String {
            guard master >= 0 else { return String(decoding: received, as: UTF8.self) }
            var descriptor = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while poll(&descriptor, 1, 0) > 0, descriptor.revents & Int16(POLLIN) != 0 {
                let count = read(master, &buffer, buffer.count)
                guard count > 0 else { break }
                received += buffer[..<count]
            }
            return String(decoding: received, as: UTF8.self)
        }

        /// Waits until everything written to the terminal so far satisfies `condition`, checking
        /// it again each time the terminal has more to read.
        ///
        /// - Returns: whether `condition` held before `limit` passed.
        func until(within limit: Duration = .seconds(20), _ condition: (String) -> Bool) async -> Bool {
            let deadline = ContinuousClock.now + limit
            while true {
                if condition(output()) { return true }
                let left = deadline - ContinuousClock.now
                guard master >= 0, left > .zero, await Awaited.readable(master, within: left) else { return false }
                // Readable with nothing more to read: the terminal's other end is closed for good.
                let before = received.count
                if condition(output()) { return true }
                if received.count == before { return false }
            }
        }

        /// Closes the terminal, as a closed window or a dropped ssh connection does.
        func hangUp() {
            if master >= 0 { close(master) }
            master = -1
        }

        var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

        /// Waits for the process to end: its exit code, or `nil` when a signal ended it or it is
        /// still running after `limit` (it is then killed).
        func finish(within limit: Duration = .seconds(30)) async throws -> Int32? {
            var status: Int32 = 0
            // Its pidfd tells the exit; the reaping below then returns at once.
            let ended = await processEnds(pid, within: limit)
            if !ended { kill(pid, SIGKILL) }
            _ = waitpid(pid, &status, 0)
            return ended && status & 0x7f == 0 ? (status >> 8) & 0xff : nil
        }

        deinit {
            hangUp()
            try? FileManager.default.removeItem(atPath: errPath)
        }

        struct SessionError: Error {
            var message: String
        }
    }
#endif
