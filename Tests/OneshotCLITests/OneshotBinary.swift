import Foundation
import Synchronization
import Testing

/// What one run of the built `oneshot` binary printed and returned.
struct BinaryResult {
    var exitCode: Int32
    /// Whether the process exited (rather than being killed by a signal: a trap, a crash).
    var exited = true
    var stdout: String
    var stderr: String
}

/// Runs the `oneshot` binary that `swift build` put beside the test bundle.
enum OneshotBinary {
    static let url: URL = {
        let candidates = [
            Bundle.main.bundleURL,
            Bundle.main.bundleURL.deletingLastPathComponent(),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(),
        ]
        for folder in candidates {
            let binary = folder.appendingPathComponent("oneshot")
            if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
        }
        return candidates[0].appendingPathComponent("oneshot")
    }()

    /// Starts the binary in `directory`; stdout and stderr go to files in `directory`.
    ///
    /// - Parameter launcher: a command that ends by exec-ing its last arguments (the binary and
    ///   `arguments`), to set the process up first (e.g. put it in a cgroup); none by default.
    static func start(
        _ arguments: [String], in directory: String, environment: [String: String] = [:], launcher: [String] = []
    ) throws -> RunningBinary {
        let process = Process()
        let command = launcher + [url.path] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let id = UUID().uuidString
        let outPath = (directory as NSString).appendingPathComponent(".out-\(id)")
        let errPath = (directory as NSString).appendingPathComponent(".err-\(id)")
        _ = FileManager.default.createFile(atPath: outPath, contents: nil)
        _ = FileManager.default.createFile(atPath: errPath, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        // The child has its own copies once started: ours would stay open until the test ends.
        defer {
            try? output.close()
            try? errors.close()
        }
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        let running = RunningBinary(process: process, outPath: outPath, errPath: errPath)
        try process.run()
        return running
    }

    /// Runs the binary to its end.
    static func run(_ arguments: [String], in directory: String, environment: [String: String] = [:]) async throws -> BinaryResult
    {
        try await start(arguments, in: directory, environment: environment).finish()
    }
}

/// A started `oneshot` process.
final class RunningBinary: @unchecked Sendable {
    let process: Process
    let outPath: String
    let errPath: String
    private let exited: AsyncStream<(Int32, Bool)>
    private let continuation: AsyncStream<(Int32, Bool)>.Continuation

    init(process: Process, outPath: String, errPath: String) {
        self.process = process
        self.outPath = outPath
        self.errPath = errPath
        (exited, continuation) = AsyncStream<(Int32, Bool)>.makeStream()
        let continuation = self.continuation
        process.terminationHandler = {
            continuation.yield(($0.terminationStatus, $0.terminationReason == .exit))
            continuation.finish()
        }
    }

    var pid: Int32 { process.processIdentifier }

    var stdout: String { (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "" }

    /// Waits for the process to exit; returns its code and output, and removes the output files.
    func finish() async throws -> BinaryResult {
        var code: Int32 = -1
        var normal = false
        for await (status, reason) in exited {
            code = status
            normal = reason
        }
        let result = BinaryResult(
            exitCode: code, exited: normal, stdout: stdout, stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        )
        try? FileManager.default.removeItem(atPath: outPath)
        try? FileManager.default.removeItem(atPath: errPath)
        return result
    }
}

/// A throwaway project folder with `features/`, removed when the test ends.
final class TemporaryProject: Sendable {
    let path: String
    /// The gates made by ``gate(_:)`` and not opened yet.
    let closedGates = Mutex<Set<String>>([])

    init() throws {
        path = NSTemporaryDirectory() + "oneshot-e2e-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        // Whatever still waits on a gate (a failed test, an orphan of a killed run) goes on and
        // ends rather than blocking for good.
        for name in closedGates.withLock({ $0 }) { try? openGate(name) }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes a workstream file `features/<feature>/<id>.md` in front-matter form.
    func workstream(_ feature: String, _ id: String, depends: [String] = [], run: String?, extra: String = "") throws {
        var text = "---\nws_id: \(id)\ndepends_on: [\(depends.joined(separator: ", "))]\n"
        if let run { text += "run: \(yamlQuoted(run))\n" }
        text += extra + "---\n"
        try write("features/\(feature)/\(id).md", text)
    }

    func write(_ relative: String, _ text: String) throws {
        let full = file(relative)
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true
        )
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    }

    func read(_ relative: String) -> String? {
        try? String(contentsOfFile: file(relative), encoding: .utf8)
    }

    func file(_ relative: String) -> String {
        (path as NSString).appendingPathComponent(relative)
    }

    func yamlQuoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
    }
}

/// Whether `pid` names a live process (a zombie awaiting its reaper counts as gone).
func isAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    guard let close = stat.lastIndex(of: ")") else { return false }
    let state = stat[stat.index(close, offsetBy: 2)]
    return state != "Z" && state != "X"
}

/// Waits, checking every 20 ms, until `condition` holds or `limit` passes: only for what raises
/// no event to wait on (a process re-parented or reaped, as `/proc` shows). A file written is
/// awaited with ``TemporaryProject/until(_:within:_:)``, a process's end with ``processEnds(_:within:)``.
///
/// The default limit, a bound against a hang, is 60 s: what is awaited often needs a task of the
/// test process to run first (a released attempt), and under a 1-CPU quota with 2 CPU hogs the
/// cooperative pool, shared by every test case at once, let one wait past 20 s.
func eventually(within limit: Duration = .seconds(60), _ condition: () -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
