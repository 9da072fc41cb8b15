import Foundation
import Testing

/// `Syscall` is the one place libc is called: no other module's source calls a C function of
/// the file, process or terminal APIs (Foundation re-exports them on Linux, so only reading the
/// sources can tell).
@Suite struct LibcEdgeTests {
    /// C functions whose names no type of the project reuses for a method of its own.
    private static let cFunctions = [
        "access", "chdir", "closedir", "fcntl", "flock", "fsync", "ftruncate", "getpgrp", "getpid", "getppid", "ioctl",
        "isatty", "kill", "lseek", "lstat", "mkdir", "nanosleep", "opendir", "pipe", "pipe2", "posix_spawn",
        "pread", "pwrite", "readdir", "readlink", "realpath", "rename", "rmdir", "setsid", "signal", "sigaction", "stat",
        "strerror", "unlink", "usleep", "waitid", "waitpid",
    ]

    @Test func noModuleButOneshotSystemCallsTheCLibrary() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources")
        let names = Self.cFunctions.joined(separator: "|")
        // A call: the name not preceded by `.`, a letter or `func `, followed by `(`.
        let call = try NSRegularExpression(pattern: "(?<![.\\w])(?<!func )(\(names))\\(")
        var found: [String] = []
        let files = FileManager.default.enumerator(atPath: sources.path)?.compactMap { $0 as? String } ?? []
        for file in files where file.hasSuffix(".swift") && !file.hasPrefix("OneshotSystem/") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                let range = NSRange(code.startIndex..., in: code)
                if call.firstMatch(in: String(code), range: range) != nil {
                    found.append("Sources/\(file):\(number + 1): \(line)")
                }
            }
        }
        #expect(found.isEmpty, "libc called outside OneshotSystem:\n\(found.joined(separator: "\n"))")
    }
}
